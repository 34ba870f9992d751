"""The lean clients' own surface: secrets, Lambda invoke, and AWS errors as botocore raises them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sniper.lean.aws import LeanAwsClients
from sniper.local.aws import LocalAws
from sniper.secrets import EbayAppSecret, SecretsReader


async def test_secrets_reader_on_lean_client(
    local_aws: LocalAws, lean_aws_clients: LeanAwsClients
) -> None:
    reader = SecretsReader(await lean_aws_clients.get("secretsmanager"))
    secret = await reader.read(local_aws.refs["EbayCredentials"], EbayAppSecret)
    assert secret.client_id == "sniper-local-app"
    assert "sniper-local-secret" not in repr(secret)


async def test_errors_are_botocore_client_errors(
    local_aws: LocalAws, lean_aws_clients: LeanAwsClients
) -> None:
    dynamodb = await lean_aws_clients.get("dynamodb")
    with pytest.raises(ClientError) as caught:
        await dynamodb.get_item(TableName="no-such-table", Key={"userId": {"S": "x"}})
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    kms = await lean_aws_clients.get("kms")
    with pytest.raises(ClientError) as caught:
        await kms.decrypt(CiphertextBlob=b"garbage" * 8, KeyId=local_aws.refs["UserTokenKey"])
    assert caught.value.response["Error"]["Code"] in (
        "InvalidCiphertextException",
        "AccessDeniedException",
    )
