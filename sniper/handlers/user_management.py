"""UserManagementFunction: /users/*, eBay's account-deletion endpoint, /openapi.json."""

from __future__ import annotations

from collections.abc import Mapping

from sniper.api import composition as wire
from sniper.api.app import HttpApp, api_logger, api_resolver
from sniper.api.routes import account_deletion, openapi, users
from sniper.app_secrets import EbayAppSecret
from sniper.aws_clients import AwsClients
from sniper.config import UserManagementSettings, load_settings
from sniper.runtime import App, Entrypoint
from sniper.scheduling import ScheduleRemoval
from sniper.services.account_removal import AccountRemoval
from sniper.services.ebay_notices import AccountDeletionNotices
from sniper.services.ebay_public_keys import EbayPublicKeys
from sniper.services.profiles import Profiles


async def build(environ: Mapping[str, str]) -> App:
    settings = load_settings(UserManagementSettings, environ)
    logger = api_logger("user-management", settings.log_level)
    clients = AwsClients.for_settings(settings)
    users_repo = await wire.users_repository(clients, settings.users_table)
    removal = AccountRemoval(
        users_repo,
        await wire.snipes_repository(clients, settings.bids_table),
        await wire.history_repository(clients, settings.bid_history_table),
        ScheduleRemoval(await clients.get("scheduler"), settings.scheduler_group_name),
    )
    secrets = await wire.secrets_reader(clients)
    ebay = await wire.ebay_client(settings, secrets)
    notices = AccountDeletionNotices(
        keys=EbayPublicKeys(ebay.http, ebay.endpoints, ebay.oauth),
        users=users_repo,
        removal=removal,
    )

    async def verification_token() -> str:
        return (await secrets.read(settings.ebay_secret_arn, EbayAppSecret)).verification_token

    resolver = api_resolver(
        [
            users.build_router(Profiles(users_repo), removal),
            account_deletion.build_router(notices, verification_token),
            openapi.build_router(),
        ],
        logger,
    )
    return HttpApp(resolver, logger, closers=[ebay.close, clients.close])


handler = Entrypoint(build)
