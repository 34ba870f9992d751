"""EbayOAuthFunction: /ebay/auth/* (link, status, unlink)."""

from __future__ import annotations

from collections.abc import Mapping

from sniper.api import composition as wire
from sniper.api.app import HttpApp, api_logger, api_resolver
from sniper.api.routes import ebay_auth
from sniper.aws_clients import AwsClients
from sniper.config import EbayOAuthSettings, load_settings
from sniper.runtime import App, Entrypoint
from sniper.scheduling import ScheduleRemoval
from sniper.services.bidding_access import BiddingAccessProbe
from sniper.services.ebay_linking import EbayLinking
from sniper.services.ebay_tokens import EbayTokens
from sniper.services.oauth_state import OAuthStates, StateKeySource
from sniper.services.profiles import Profiles
from sniper.vault import TokenVault


async def build(environ: Mapping[str, str]) -> App:
    settings = load_settings(EbayOAuthSettings, environ)
    logger = api_logger("ebay-oauth", settings.log_level)
    clients = AwsClients.for_settings(settings)
    users = await wire.users_repository(clients, settings.users_table)
    secrets = await wire.secrets_reader(clients)
    ebay = await wire.ebay_client(settings, secrets)
    state_key = StateKeySource(lambda: secrets.read_text(settings.oauth_state_secret_arn))
    spent = await wire.spent_states(clients, settings.bids_table)

    async def states() -> OAuthStates:
        return OAuthStates(
            await state_key.key(), ttl_seconds=settings.oauth_state_ttl_seconds, ledger=spent
        )

    linking = EbayLinking(
        users=users,
        profiles=Profiles(users),
        tokens=EbayTokens(
            users, TokenVault(await clients.get("kms"), settings.token_key_id), ebay.oauth
        ),
        oauth=ebay.oauth,
        identity=ebay.identity,
        snipes=await wire.snipes_repository(clients, settings.bids_table),
        scheduler=ScheduleRemoval(await clients.get("scheduler"), settings.scheduler_group_name),
        states=states,
        bidding_probe=BiddingAccessProbe(watch_list=ebay.trading, offer=ebay.offer),
    )
    resolver = api_resolver([ebay_auth.build_router(linking)], logger)
    return HttpApp(resolver, logger, closers=[ebay.close, clients.close])


handler = Entrypoint(build)
