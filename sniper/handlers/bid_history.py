"""BidHistoryFunction: /bid-history (settled snipes with their timing reports)."""

from __future__ import annotations

from collections.abc import Mapping

from sniper.api.app import HttpApp
from sniper.api.routes import history
from sniper.bootstrap import Root
from sniper.config import BidHistorySettings, load_settings
from sniper.runtime import App, Entrypoint


async def build(environ: Mapping[str, str]) -> App:
    root = Root(load_settings(BidHistorySettings, environ), service="bid-history")
    router = history.build_router(await root.history_repository())
    return HttpApp([router], root.logger, root.aclose)


handler = Entrypoint(build)
