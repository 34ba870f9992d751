"""WishlistSyncFunction: /wishlist/items (the eBay watch list) and /wishlist/items/{itemId}."""

from __future__ import annotations

from collections.abc import Mapping

from sniper.api.app import HttpApp
from sniper.api.routes import wishlist
from sniper.bootstrap import Root
from sniper.config import WishlistSettings, load_settings
from sniper.runtime import App, Entrypoint


async def build(environ: Mapping[str, str]) -> App:
    root = Root(load_settings(WishlistSettings, environ), service="wishlist-sync")
    router = wishlist.build_router(await root.watchlist())
    return HttpApp([router], root.logger, root.aclose)


handler = Entrypoint(build)
