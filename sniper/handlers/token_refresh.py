"""TokenRefreshFunction: the daily upkeep of every user's eBay link (see services.token_refresh).

The schedule's payload carries nothing the run needs, so the event is not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from aws_lambda_powertools import Logger

from sniper.app_secrets import EbayAppSecret, SecretsReader
from sniper.aws_clients import AwsClients
from sniper.config import TokenRefreshSettings, load_settings
from sniper.dispatch import LambdaDispatch
from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import endpoints_for
from sniper.ebay.http import EbayHttp
from sniper.ebay.oauth import EbayOAuth
from sniper.runtime import App, ClosingApp, Entrypoint, Event
from sniper.services.ebay_tokens import EbayTokens
from sniper.services.token_refresh import TokenRefresh
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault


async def build(environ: Mapping[str, str]) -> App:
    settings = load_settings(TokenRefreshSettings, environ)
    logger = Logger(service="token-refresh", level=settings.log_level)
    clients = AwsClients.for_settings(settings)
    dynamodb = await clients.get("dynamodb")
    users = UsersRepository(DynamoTable(dynamodb, settings.users_table))
    snipes = SnipesRepository(DynamoTable(dynamodb, settings.bids_table))
    vault = TokenVault(await clients.get("kms"), settings.token_key_id)
    secrets = SecretsReader(await clients.get("secretsmanager"))
    notify = LambdaDispatch(await clients.get("lambda"), settings.notification_function_name)
    endpoints = endpoints_for(settings.ebay_environment, settings.ebay_base_url)
    http = EbayHttp(total_timeout_s=settings.ebay_timeout_seconds)

    async def app(event: Event, context: Any) -> dict[str, Any]:
        logger.append_keys(request_id=getattr(context, "aws_request_id", None))
        # Read per run (cached by the reader) so a rotated app secret is picked up.
        secret = await secrets.read(settings.ebay_secret_arn, EbayAppSecret)
        credentials = AppCredentials(
            client_id=secret.client_id, client_secret=secret.client_secret, ru_name=secret.ru_name
        )
        tokens = EbayTokens(users, vault, EbayOAuth(http, endpoints, credentials))
        refresh = TokenRefresh(
            users,
            snipes,
            tokens,
            notify,
            expiry_threshold_days=settings.token_expiry_threshold,
            access_margin_seconds=settings.access_refresh_margin_seconds,
        )
        summary = await refresh.run()
        report: dict[str, Any] = msgspec.to_builtins(summary)
        logger.info("token refresh finished", extra=report)
        return report

    return ClosingApp(app, clients.close, http.close)


handler = Entrypoint(build)
