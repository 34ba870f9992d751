"""Shared wiring for the five API functions: repositories, the eBay client, the scheduler."""

from __future__ import annotations

from sniper.app_secrets import EbayAppSecret, SecretsReader
from sniper.aws_clients import AwsClients
from sniper.config import EbaySettings
from sniper.ebay.client import EbayClient
from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import endpoints_for
from sniper.ebay.http import EbayHttp
from sniper.storage.history import HistoryRepository
from sniper.storage.idempotency import IdempotencyRecords
from sniper.storage.live_guards import LiveGuards
from sniper.storage.snipes import SnipesRepository
from sniper.storage.spent_states import SpentStates
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository


async def users_repository(clients: AwsClients, table: str) -> UsersRepository:
    return UsersRepository(DynamoTable(await clients.get("dynamodb"), table))


async def snipes_repository(clients: AwsClients, table: str) -> SnipesRepository:
    return SnipesRepository(DynamoTable(await clients.get("dynamodb"), table))


async def live_guards(clients: AwsClients, table: str) -> LiveGuards:
    return LiveGuards(DynamoTable(await clients.get("dynamodb"), table))


async def idempotency_records(clients: AwsClients, table: str) -> IdempotencyRecords:
    return IdempotencyRecords(DynamoTable(await clients.get("dynamodb"), table))


async def spent_states(clients: AwsClients, table: str) -> SpentStates:
    return SpentStates(DynamoTable(await clients.get("dynamodb"), table))


async def history_repository(clients: AwsClients, table: str) -> HistoryRepository:
    return HistoryRepository(DynamoTable(await clients.get("dynamodb"), table))


async def secrets_reader(clients: AwsClients) -> SecretsReader:
    return SecretsReader(await clients.get("secretsmanager"))


async def ebay_client(settings: EbaySettings, secrets: SecretsReader) -> EbayClient:
    """Endpoints from the environment, app credentials from the eBay secret."""
    app = await secrets.read(settings.ebay_secret_arn, EbayAppSecret)
    credentials = AppCredentials(
        client_id=app.client_id, client_secret=app.client_secret, ru_name=app.ru_name
    )
    http = EbayHttp(total_timeout_s=settings.ebay_timeout_seconds)
    return EbayClient(
        endpoints_for(settings.ebay_environment, settings.ebay_base_url), credentials, http
    )
