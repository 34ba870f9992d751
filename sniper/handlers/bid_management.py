"""BidManagementFunction: /bids (create, list, read, change, cancel; scheduling)."""

from __future__ import annotations

from collections.abc import Mapping

from sniper.api.app import HttpApp
from sniper.api.routes import bids
from sniper.bootstrap import Root
from sniper.config import BidManagementSettings, load_settings
from sniper.runtime import App, Entrypoint


async def build(environ: Mapping[str, str]) -> App:
    root = Root(load_settings(BidManagementSettings, environ), service="bid-management")
    router = bids.build_router(
        await root.snipes_service(), await root.idempotent_requests(), root.sniper_metrics()
    )
    return HttpApp([router], root.logger, root.aclose)


handler = Entrypoint(build)
