"""Every storage test runs twice: on aioboto3's clients and on the executor's lean clients.

The repositories, the vault and the secrets reader must behave the same on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from sniper.aws_clients import AwsClients
from sniper.lean.aws import LeanAwsClients
from sniper.local.aws import LocalAws
from sniper.storage.history import HistoryRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault


@pytest.fixture(scope="session")
async def lean_aws_clients(local_aws_session: LocalAws) -> AsyncIterator[LeanAwsClients]:
    clients = LeanAwsClients(
        region=local_aws_session.region, endpoint_url=local_aws_session.endpoint
    )
    yield clients
    await clients.close()


@pytest.fixture(params=["aioboto3", "lean"])
def storage_clients(
    request: pytest.FixtureRequest, aws_clients: AwsClients, lean_aws_clients: LeanAwsClients
) -> Any:
    return aws_clients if request.param == "aioboto3" else lean_aws_clients


@pytest.fixture
async def users_repo(local_aws: LocalAws, storage_clients: Any) -> UsersRepository:
    return UsersRepository(
        DynamoTable(await storage_clients.get("dynamodb"), local_aws.refs["UsersTable"])
    )


@pytest.fixture
async def snipes_repo(local_aws: LocalAws, storage_clients: Any) -> SnipesRepository:
    return SnipesRepository(
        DynamoTable(await storage_clients.get("dynamodb"), local_aws.refs["BidsTable"])
    )


@pytest.fixture
async def history_repo(local_aws: LocalAws, storage_clients: Any) -> HistoryRepository:
    table = DynamoTable(await storage_clients.get("dynamodb"), local_aws.refs["BidHistoryTable"])
    return HistoryRepository(table)


@pytest.fixture
async def token_vault(local_aws: LocalAws, storage_clients: Any) -> TokenVault:
    return TokenVault(await storage_clients.get("kms"), local_aws.refs["UserTokenKey"])
