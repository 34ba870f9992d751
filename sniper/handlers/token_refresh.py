"""TokenRefreshFunction: the daily upkeep of every user's eBay link (see services.token_refresh).

The schedule's payload carries nothing the run needs, so the event is not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from sniper.bootstrap import Root
from sniper.config import TokenRefreshSettings, load_settings
from sniper.runtime import App, ClosingApp, Entrypoint, Event


async def build(environ: Mapping[str, str]) -> App:
    root = Root(load_settings(TokenRefreshSettings, environ), service="token-refresh")
    refresh = await root.token_refresh()

    async def app(event: Event, context: Any) -> dict[str, Any]:
        root.logger.append_keys(request_id=getattr(context, "aws_request_id", None))
        report: dict[str, Any] = msgspec.to_builtins(await refresh.run())
        root.logger.info("token refresh finished", extra=report)
        return report

    return ClosingApp(app, root.aclose)


handler = Entrypoint(build)
