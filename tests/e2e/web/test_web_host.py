"""The local stack's host for the web app (sniper/devstack/local/webapp.py) over HTTP: config.json from the
running stack, the app's routes answered with index.html, hashed assets cached for good, the
rest never stale, nothing outside the build served."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest
import yarl

from sniper.devstack.local.stack import DEMO_PASSWORD, DEMO_USERNAME, LocalStack
from sniper.devstack.local.webapp import WebApp
from tests.e2e.web.conftest import WEB_DIST


@pytest.fixture
def web_url(local_stack: LocalStack) -> str:
    assert local_stack.web is not None and local_stack.web.url is not None
    if not local_stack.web.built:
        pytest.fail("the web app is not built: run `make web`", pytrace=False)
    return local_stack.web.url


async def test_config_json_describes_the_running_stack_and_is_never_cached(
    local_stack: LocalStack, web_url: str
) -> None:
    assert local_stack.aws is not None
    async with aiohttp.ClientSession() as http, http.get(f"{web_url}/config.json") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Date" in response.headers  # the app's clock reads it
        config = await response.json()
    assert config["apiUrl"] == local_stack.api_url
    assert config["userPoolId"] == local_stack.aws.refs["UserPool"]
    assert config["userPoolClientId"] == local_stack.aws.refs["UserPoolClient"]
    assert config["userPoolEndpoint"] == local_stack.aws.endpoint
    assert config["demoLogin"] == {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    assert config["snipeTiming"] == {
        key: local_stack.describe()["snipeTiming"][key]
        for key in ("leadSeconds", "precisionSeconds")
    }


@pytest.mark.parametrize("path", ["/", "/snipes", "/snipes/01ABC", "/ebay/callback?code=x&state=y"])
async def test_the_apps_routes_are_index_html_revalidated_each_time(
    web_url: str, path: str
) -> None:
    async with aiohttp.ClientSession() as http, http.get(web_url + path) as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert '<div id="root"></div>' in await response.text()


async def test_hashed_assets_are_cached_for_good_and_a_missing_one_is_not_found(
    web_url: str,
) -> None:
    index = (WEB_DIST / "index.html").read_text(encoding="utf-8")
    (script,) = re.findall(r'src="(/assets/[^"]+\.js)"', index)
    async with aiohttp.ClientSession() as http:
        async with http.get(web_url + script) as response:
            assert response.status == 200
            assert response.content_type in ("application/javascript", "text/javascript")
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        async with http.get(f"{web_url}/assets/index-gone.js") as response:
            assert response.status == 404


@pytest.mark.parametrize("path", ["/../pyproject.toml", "/%2e%2e/pyproject.toml", "/..%2fMakefile"])
async def test_nothing_outside_the_build_is_served(web_url: str, path: str) -> None:
    # As sent, not normalised by the client: the host itself must refuse to climb out.
    raw = yarl.URL(web_url + path, encoded=True)
    async with aiohttp.ClientSession() as http, http.get(raw) as response:
        body = await response.text()
    assert "[project]" not in body and "PYTHON ?=" not in body


async def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    host = WebApp(lambda: {"apiUrl": "http://127.0.0.1:1"}, dist=tmp_path)
    url = await host.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/snipes") as response:
                assert response.status == 503
                assert "make web" in await response.text()
            async with http.get(f"{url}/config.json") as response:
                assert (await response.json())["apiUrl"] == "http://127.0.0.1:1"
    finally:
        await host.stop()
