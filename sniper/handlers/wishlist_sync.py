"""WishlistSyncFunction: /wishlist/items (the eBay watch list) and /wishlist/items/{itemId}."""

from __future__ import annotations

from collections.abc import Mapping

from sniper.api import composition as wire
from sniper.api.app import HttpApp, api_logger, api_resolver
from sniper.api.routes import wishlist
from sniper.aws_clients import AwsClients
from sniper.config import WishlistSettings, load_settings
from sniper.runtime import App, Entrypoint
from sniper.services.ebay_tokens import EbayTokens
from sniper.services.watchlist import Watchlist
from sniper.vault import TokenVault


async def build(environ: Mapping[str, str]) -> App:
    settings = load_settings(WishlistSettings, environ)
    logger = api_logger("wishlist-sync", settings.log_level)
    clients = AwsClients.for_settings(settings)
    users = await wire.users_repository(clients, settings.users_table)
    ebay = await wire.ebay_client(settings, await wire.secrets_reader(clients))
    watchlist = Watchlist(
        users=users,
        tokens=EbayTokens(
            users, TokenVault(await clients.get("kms"), settings.token_key_id), ebay.oauth
        ),
        trading=ebay.trading,
        browse=ebay.browse,
        snipes=await wire.snipes_repository(clients, settings.bids_table),
    )
    resolver = api_resolver([wishlist.build_router(watchlist)], logger)
    return HttpApp(resolver, logger, closers=[ebay.close, clients.close])


handler = Entrypoint(build)
