"""The bid executor's Lambda app: settings -> collaborators -> `BidExecutor.run` per event.

AWS through the SDK (aiobotocore: its credential chain, signer and retries), eBay's OAuth and
Browse through the shared aiohttp client, and the bid itself through one warm connection
(`WarmConnection`), the only hand-made I/O, because the precision of the shot lives there.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from sniper.app_secrets import EbayAppSecret, SecretsReader
from sniper.aws_clients import AwsClients, RetryPolicy
from sniper.config import ExecutorSettings, load_settings
from sniper.dispatch import LambdaDispatch
from sniper.ebay.browse import BrowseApi
from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import endpoints_for
from sniper.ebay.http import EbayHttp
from sniper.ebay.oauth import EbayOAuth
from sniper.ebay.wire import WarmConnection
from sniper.events import SnipeDue, from_mapping
from sniper.executor.engine import BidExecutor, ExecutorConfig, Hooks
from sniper.executor.timing import Clock
from sniper.metrics import SniperMetrics
from sniper.runtime import App, ClientSource, ClosingApp
from sniper.services.ebay_tokens import EbayTokens
from sniper.storage.history import HistoryRepository
from sniper.storage.notices import NoticesRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault

# The bid must not wait 10 s for an answer that would come after the close.
BID_RESPONSE_TIMEOUT_S = 3.0
# A write a second before the shot must not hang: short attempts, a few of them (the SDK's
# standard mode backs off with jitter on throttling and 5xx between them).
EXECUTOR_RETRIES = RetryPolicy(
    mode="standard", max_attempts=4, connect_timeout_s=1.0, read_timeout_s=2.0
)


def executor_config(settings: ExecutorSettings) -> ExecutorConfig:
    return ExecutorConfig(timing=settings.timing(), probes=settings.latency_probes)


async def build_executor(
    settings: ExecutorSettings,
    clients: ClientSource,
    *,
    clock: Clock | None = None,
    hooks: Hooks | None = None,
) -> BidExecutor:
    dynamodb = await clients.get("dynamodb")
    lambda_client = await clients.get("lambda")
    secret = await SecretsReader(await clients.get("secretsmanager")).read(
        settings.ebay_secret_arn, EbayAppSecret
    )
    credentials = AppCredentials(
        client_id=secret.client_id, client_secret=secret.client_secret, ru_name=secret.ru_name
    )
    endpoints = endpoints_for(settings.ebay_environment, settings.ebay_base_url)
    http = EbayHttp(total_timeout_s=settings.ebay_timeout_seconds)
    oauth = EbayOAuth(http, endpoints, credentials)
    users = UsersRepository(DynamoTable(dynamodb, settings.users_table))
    vault = TokenVault(await clients.get("kms"), settings.token_key_id)

    async def redispatch(function_name: str, due: SnipeDue) -> None:
        await LambdaDispatch(lambda_client, function_name)(due)

    return BidExecutor(
        snipes=SnipesRepository(DynamoTable(dynamodb, settings.bids_table)),
        history=HistoryRepository(
            DynamoTable(dynamodb, settings.bid_history_table),
            retention_days=settings.history_ttl_days,
        ),
        notices=NoticesRepository(DynamoTable(dynamodb, settings.bids_table)),
        tokens=EbayTokens(users, vault, oauth),
        browse=BrowseApi(http, endpoints, oauth),
        connect=lambda: WarmConnection(
            endpoints.api_base, response_timeout_s=BID_RESPONSE_TIMEOUT_S
        ),
        notify=LambdaDispatch(lambda_client, settings.notification_function_name),
        redispatch=redispatch,
        clock=clock,
        config=executor_config(settings),
        hooks=hooks,
        on_close=http.close,
        metrics=SniperMetrics(
            namespace=settings.powertools_metrics_namespace,
            service=settings.powertools_service_name,
        ),
    )


# The snipe a log line is about: per asyncio task, so concurrent runs in one process (the local
# stack's in-process containers) never lend each other their ids.
CURRENT_SNIPE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_snipe", default=None
)


class _SnipeIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        snipe_id = CURRENT_SNIPE.get()
        if snipe_id is not None:
            record.snipe_id = snipe_id
        return True


def executor_logger(settings: ExecutorSettings) -> Logger:
    """JSON lines at the configured level, the snipe's id as a key, for Powertools' logger and
    the sniper.* loggers the modules use (Lambda's Python runtime would otherwise leave the root
    logger at WARNING, and the executor's INFO lines would never appear)."""
    logger = Logger(service="bid-executor", level=settings.log_level)
    package = logging.getLogger("sniper")  # a real logger, so the config below reaches it
    copy_config_to_registered_loggers(source_logger=logger, include={"sniper"})
    for handler in (*logger.handlers, *package.handlers):
        if not any(isinstance(f, _SnipeIdFilter) for f in handler.filters):
            handler.addFilter(_SnipeIdFilter())
    return logger


async def build(environ: Mapping[str, str], *, hooks: Hooks | None = None) -> App:
    """The Lambda app. `hooks`: observers of its steps (the local stack's crash injection)."""
    settings = load_settings(ExecutorSettings, environ)
    logger = executor_logger(settings)
    clients = AwsClients.for_settings(settings, retries=EXECUTOR_RETRIES)
    executor = await build_executor(settings, clients, hooks=hooks)

    async def app(event: dict[str, Any], context: Any) -> Any:
        due = from_mapping(event, SnipeDue)
        CURRENT_SNIPE.set(due.bid_id)
        result = await executor.run(due, context)
        logger.info(
            "run finished",
            extra={"result": result.value, "request_id": getattr(context, "aws_request_id", None)},
        )
        return {"bidId": due.bid_id, "result": result.value}

    return ClosingApp(app, clients.close, executor.close)
