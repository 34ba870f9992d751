"""The web app on the local stack: `web/dist` served as a static site, plus its config.json.

What Amplify hosting does when deployed, done locally: hashed assets cached for good,
index.html and config.json never cached, every other path answered with index.html (the app
routes in the browser). config.json is written from the running stack's `describe()` when asked
for, so one build of the app serves any stack. The app's origin is what the local API's CORS
allows, and its /ebay/callback is where the eBay simulator's consent page sends the browser.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from sniper.devstack.local.serving import LoopbackService

WEB_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
CALLBACK_PATH = "/ebay/callback"

_IMMUTABLE = "public, max-age=31536000, immutable"
_NEVER = "no-store"
_REVALIDATE = "no-cache"
# No page of the app needs to tell another site where it came from: the eBay callback's URL
# carries a code until the app takes it out.
_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>eBay Sniper: web app not built</title></head>
<body><main><h1>The web app is not built</h1>
<p>Run <code>make web</code> (or <code>make run</code>, which builds it) and reload.</p>
<p>The API is up: see the banner in the terminal.</p></main></body></html>
"""


def app_config(described: Mapping[str, Any]) -> dict[str, Any]:
    """config.json for the app, from `LocalStack.describe()`: the same keys a deployment's has,
    plus the local user pool's endpoint and the demo login."""
    config: dict[str, Any] = {
        "apiUrl": described["apiUrl"],
        "region": described["region"],
        "userPoolId": described["userPoolId"],
        "userPoolClientId": described["userPoolClientId"],
        "userPoolEndpoint": described["awsEndpoint"],
        "environment": "local",
    }
    timing = described.get("snipeTiming")
    if timing:
        config["snipeTiming"] = {
            "leadSeconds": timing["leadSeconds"],
            "precisionSeconds": timing["precisionSeconds"],
        }
    if "demoUsername" in described:
        config["demoLogin"] = {
            "username": described["demoUsername"],
            "password": described["demoPassword"],
        }
    return config


class WebApp(LoopbackService):
    """The static host. `config` is called for each config.json request (the stack is not
    fully up when the host binds its port: the simulator must know the callback URL first)."""

    def __init__(self, config: Callable[[], Mapping[str, Any]], dist: Path = WEB_DIST) -> None:
        super().__init__()
        self.dist = dist.resolve()
        self._config = config

    @property
    def built(self) -> bool:
        return (self.dist / "index.html").is_file()

    @property
    def origins(self) -> tuple[str, ...]:
        """The origins a browser may load the app from: on loopback both names of the host."""
        if self.url is None:
            return ()
        parts = urlsplit(self.url)
        if parts.hostname in ("127.0.0.1", "localhost"):
            return (f"http://127.0.0.1:{parts.port}", f"http://localhost:{parts.port}")
        return (f"{parts.scheme}://{parts.netloc}",)

    @property
    def callback_url(self) -> str:
        if self.url is None:
            raise RuntimeError("the web app is not being served")
        return self.url + CALLBACK_PATH

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/config.json", self._config_json)
        app.router.add_get("/{path:.*}", self._file)
        app.on_response_prepare.append(_secure)
        return app

    async def _config_json(self, request: web.Request) -> web.Response:
        body = json.dumps(dict(self._config()), indent=2)
        return web.Response(
            text=body, content_type="application/json", headers={"Cache-Control": _NEVER}
        )

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if not self.built:
            return web.Response(
                status=503,
                text=_NOT_BUILT,
                content_type="text/html",
                headers={"Cache-Control": _NEVER},
            )
        path = self._existing_file(request.match_info["path"])
        if path is None:
            if request.match_info["path"].startswith("assets/"):
                # A hashed file that is not there (an old page asking for a replaced build).
                raise web.HTTPNotFound()
            path = self.dist / "index.html"  # the app routes in the browser
        immutable = path.parent == self.dist / "assets"
        return web.FileResponse(
            path, headers={"Cache-Control": _IMMUTABLE if immutable else _REVALIDATE}
        )

    def _existing_file(self, relative: str) -> Path | None:
        if not relative:
            return None
        candidate = (self.dist / relative).resolve()
        if not candidate.is_relative_to(self.dist) or not candidate.is_file():
            return None  # outside the build (../), or no such file
        return candidate


async def _secure(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in _SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
