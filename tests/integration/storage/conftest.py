"""Storage tests on the functions' own AWS clients (aiobotocore), against the local AWS."""

from __future__ import annotations

from typing import Any

import pytest

from sniper.aws_clients import AwsClients
from sniper.devstack.local.aws import LocalAws
from sniper.storage.history import HistoryRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault


@pytest.fixture
def storage_clients(aws_clients: AwsClients) -> Any:
    return aws_clients


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
