"""The bid executor's Lambda app: settings -> collaborators -> `BidExecutor.run` per event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sniper.config import ExecutorSettings, load_settings
from sniper.dispatch import LambdaDispatch
from sniper.ebay.browse import BrowseApi
from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import endpoints_for
from sniper.ebay.oauth import EbayOAuth
from sniper.ebay.wire import WarmConnection
from sniper.events import SnipeDue, from_mapping
from sniper.executor.engine import BidExecutor, ExecutorConfig, Hooks
from sniper.executor.timing import NS_PER_S, Clock
from sniper.lean.aws import LeanAwsClients
from sniper.lean.ebay_http import LeanEbayHttp
from sniper.metrics import SniperMetrics
from sniper.runtime import App, ClientSource, ClosingApp
from sniper.secrets import EbayAppSecret, SecretsReader
from sniper.services.ebay_tokens import EbayTokens
from sniper.storage.history import HistoryRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault

# The bid must not wait 10 s for an answer that would come after the close.
BID_RESPONSE_TIMEOUT_S = 3.0


def executor_config(settings: ExecutorSettings) -> ExecutorConfig:
    return ExecutorConfig(
        lease_ms=int(settings.lease_seconds * 1000),
        grace_ns=int(settings.settle_grace_seconds * NS_PER_S),
        prepare_lead_ns=int(settings.prepare_lead_seconds * NS_PER_S),
        settle_timeout_ns=int(settings.settle_timeout_seconds * NS_PER_S),
        probes=settings.latency_probes,
    )


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
    # The lean transport: the executor's path never imports aiohttp (its cold start is measured).
    http = LeanEbayHttp(total_timeout_s=settings.ebay_timeout_seconds)
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


async def build(environ: Mapping[str, str]) -> App:
    settings = load_settings(ExecutorSettings, environ)
    clients = LeanAwsClients.for_settings(settings)
    executor = await build_executor(settings, clients)

    async def app(event: dict[str, Any], context: Any) -> Any:
        due = from_mapping(event, SnipeDue)
        result = await executor.run(due, context)
        return {"bidId": due.bid_id, "result": result.value}

    return ClosingApp(app, clients.close, executor.close)
