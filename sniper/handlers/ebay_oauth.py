"""EbayOAuthFunction: /ebay/auth/* (link, status, unlink)."""

from __future__ import annotations

from collections.abc import Mapping

from sniper.api.app import HttpApp
from sniper.api.routes import ebay_auth
from sniper.bootstrap import Root
from sniper.config import EbayOAuthSettings, load_settings
from sniper.runtime import App, Entrypoint


async def build(environ: Mapping[str, str]) -> App:
    root = Root(load_settings(EbayOAuthSettings, environ), service="ebay-oauth")
    router = ebay_auth.build_router(await root.ebay_linking())
    return HttpApp([router], root.logger, root.aclose)


handler = Entrypoint(build)
