"""The AWS fault proxy between aioboto3 clients (made as the functions make theirs) and moto or the
local Lambda runtime: AWS-shaped errors that botocore parses and retries as AWS's own, delays,
dropped connections, answers lost after the write; requests passed on with the Host they were
signed with; rules set from Python or over its admin API."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aioboto3
import aiohttp
import pytest
from aiohttp import web
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from sniper.aws_clients import AwsClients
from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.aws_proxy import ADMIN_PATH, AwsFaultProxy
from sniper.devstack.local.serving import serve
from sniper.devstack.local.stack import LocalStack
from tests.fixtures.stack import ApiUserFactory
from tests.integration.local.recording_functions import RecordingFunctions


@pytest.fixture
async def proxy(
    local_aws: LocalAws, recording_functions: RecordingFunctions
) -> AsyncIterator[AwsFaultProxy]:
    assert recording_functions.url is not None
    proxy = AwsFaultProxy(aws_endpoint=local_aws.endpoint, lambda_endpoint=recording_functions.url)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def clients(local_aws: LocalAws, proxy: AwsFaultProxy) -> AsyncIterator[AwsClients]:
    """aioboto3 clients as the functions build theirs: every endpoint at the proxy, and botocore's
    default retries."""
    assert proxy.url is not None
    made = AwsClients(
        region=local_aws.region,
        endpoint_url=proxy.url,
        endpoint_overrides={"lambda": proxy.url},
    )
    yield made
    await made.close()


def _item(key: str) -> dict[str, Any]:
    return {"userId": {"S": key}, "name": {"S": "fault test"}}


def _stored(aws: LocalAws, table: str, key: str) -> dict[str, Any]:
    """The item as moto holds it, read past the proxy."""
    answer = aws.client("dynamodb").get_item(TableName=table, Key={"userId": {"S": key}})
    item: dict[str, Any] = answer["Item"]
    return item


async def test_a_put_throttled_twice_then_passing_succeeds(
    local_aws: LocalAws, proxy: AwsFaultProxy, clients: AwsClients
) -> None:
    table = local_aws.refs["UsersTable"]
    proxy.faults.add("dynamodb", "PutItem", error="ProvisionedThroughputExceededException", count=2)
    dynamodb = await clients.get("dynamodb")
    await dynamodb.put_item(TableName=table, Item=_item("throttled"))

    assert proxy.faults.calls[("dynamodb", "PutItem")] == 3
    assert [(i.error, i.status) for i in proxy.faults.injected] == [
        ("ProvisionedThroughputExceededException", 400)
    ] * 2
    assert _stored(local_aws, table, "throttled") == _item("throttled")


async def test_dynamodb_throttling_and_503_are_retried(
    local_aws: LocalAws, proxy: AwsFaultProxy, clients: AwsClients
) -> None:
    proxy.faults.add("dynamodb", "GetItem", error="ThrottlingException")
    proxy.faults.add("dynamodb", "GetItem", status=503)
    dynamodb = await clients.get("dynamodb")
    answer = await dynamodb.get_item(
        TableName=local_aws.refs["UsersTable"], Key={"userId": {"S": "nobody"}}
    )
    assert "Item" not in answer
    assert [(i.error, i.status) for i in proxy.faults.injected] == [
        ("ThrottlingException", 400),
        ("ServiceUnavailable", 503),
    ]
    assert proxy.faults.calls[("dynamodb", "GetItem")] == 3


async def test_kms_5xx_and_throttling_once_then_passing_succeed(
    local_aws: LocalAws, proxy: AwsFaultProxy, clients: AwsClients
) -> None:
    proxy.faults.add("kms", "Encrypt", status=500)
    proxy.faults.add("kms", "Decrypt", error="ThrottlingException")
    kms = await clients.get("kms")
    sealed = await kms.encrypt(KeyId=local_aws.refs["UserTokenKey"], Plaintext=b"a token")
    opened = await kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"])

    assert opened["Plaintext"] == b"a token"
    assert [(i.operation, i.error, i.status) for i in proxy.faults.injected] == [
        ("Encrypt", "KMSInternalException", 500),
        ("Decrypt", "ThrottlingException", 400),
    ]
    assert proxy.faults.calls[("kms", "Encrypt")] == proxy.faults.calls[("kms", "Decrypt")] == 2


async def test_a_lambda_invoke_refused_429_once_is_retried_and_delivered_once(
    local_aws: LocalAws,
    proxy: AwsFaultProxy,
    clients: AwsClients,
    recording_functions: RecordingFunctions,
) -> None:
    proxy.faults.add("lambda", "Invoke", error="TooManyRequestsException")
    lambda_client = await clients.get("lambda")
    answer = await lambda_client.invoke(
        FunctionName=local_aws.refs["NotificationHandlerFunction"],
        InvocationType="Event",
        Payload=json.dumps({"type": "test"}).encode(),
    )
    assert answer["StatusCode"] == 202
    assert [(i.error, i.status) for i in proxy.faults.injected] == [
        ("TooManyRequestsException", 429)
    ]
    assert proxy.faults.calls[("lambda", "Invoke")] == 2
    assert recording_functions.received == [("NotificationHandlerFunction", {"type": "test"})]


async def test_secrets_manager_503_once_then_passing_succeeds(
    local_aws: LocalAws, proxy: AwsFaultProxy, clients: AwsClients
) -> None:
    proxy.faults.add("secretsmanager", "GetSecretValue", status=503)
    secrets = await clients.get("secretsmanager")
    value = await secrets.get_secret_value(SecretId=local_aws.refs["EbayCredentials"])
    assert json.loads(value["SecretString"])["client_id"]
    assert proxy.faults.calls[("secretsmanager", "GetSecretValue")] == 2


async def test_faults_that_outlast_the_retries_surface_as_the_typed_errors(
    local_aws: LocalAws, proxy: AwsFaultProxy, recording_functions: RecordingFunctions
) -> None:
    # botocore's standard retry mode (3 attempts): the default "legacy" mode gives DynamoDB 10
    # attempts with backoff up to ~25 s, too long to wait out here.
    assert proxy.url is not None
    standard = Config(retries={"mode": "standard", "total_max_attempts": 3})
    proxy.faults.add(
        "dynamodb", "GetItem", error="ProvisionedThroughputExceededException", count=None
    )
    proxy.faults.add("lambda", "Invoke", error="TooManyRequestsException", count=None)
    session = aioboto3.Session(region_name=local_aws.region)
    async with (
        session.client("dynamodb", endpoint_url=proxy.url, config=standard) as dynamodb,
        session.client("lambda", endpoint_url=proxy.url, config=standard) as lambda_client,
    ):
        with pytest.raises(dynamodb.exceptions.ProvisionedThroughputExceededException):
            await dynamodb.get_item(
                TableName=local_aws.refs["UsersTable"], Key={"userId": {"S": "x"}}
            )
        with pytest.raises(lambda_client.exceptions.TooManyRequestsException):
            await lambda_client.invoke(
                FunctionName=local_aws.refs["NotificationHandlerFunction"],
                InvocationType="Event",
                Payload=b"{}",
            )
    assert proxy.faults.calls[("dynamodb", "GetItem")] == 3
    assert proxy.faults.calls[("lambda", "Invoke")] == 3
    assert recording_functions.received == []


async def test_a_dropped_connection_is_retried(
    local_aws: LocalAws, proxy: AwsFaultProxy, clients: AwsClients
) -> None:
    proxy.faults.add("dynamodb", "GetItem", drop=True)
    dynamodb = await clients.get("dynamodb")
    await dynamodb.get_item(TableName=local_aws.refs["UsersTable"], Key={"userId": {"S": "x"}})
    assert proxy.faults.calls[("dynamodb", "GetItem")] == 2
    assert [i.drop for i in proxy.faults.injected] == [True]


async def test_an_answer_lost_after_the_write_meets_the_write_on_retry(
    local_aws: LocalAws, proxy: AwsFaultProxy, clients: AwsClients
) -> None:
    """AWS did the conditional write and the answer was a 500: the client's retry is refused by
    its own write. Code that writes conditionally must expect this."""
    table = local_aws.refs["UsersTable"]
    proxy.faults.add("dynamodb", "PutItem", status=500, apply="after")
    dynamodb = await clients.get("dynamodb")
    with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
        await dynamodb.put_item(
            TableName=table,
            Item=_item("written-once"),
            ConditionExpression="attribute_not_exists(userId)",
        )
    assert _stored(local_aws, table, "written-once") == _item("written-once")


async def test_a_delay_holds_the_request(
    local_aws: LocalAws, proxy: AwsFaultProxy, clients: AwsClients
) -> None:
    dynamodb = await clients.get("dynamodb")
    key = {"userId": {"S": "x"}}
    await dynamodb.get_item(TableName=local_aws.refs["UsersTable"], Key=key)  # connected
    proxy.faults.add("dynamodb", "GetItem", delay_ms=300)
    started = time.monotonic()
    await dynamodb.get_item(TableName=local_aws.refs["UsersTable"], Key=key)
    assert time.monotonic() - started >= 0.3


async def test_a_rule_expires_at_its_until(
    local_aws: LocalAws, proxy: AwsFaultProxy, clients: AwsClients
) -> None:
    rule = proxy.faults.add("dynamodb", "*", status=500, count=None, for_s=0.0)
    dynamodb = await clients.get("dynamodb")
    await dynamodb.get_item(TableName=local_aws.refs["UsersTable"], Key={"userId": {"S": "x"}})
    assert rule.used == 0 and proxy.faults.rules == []


async def test_rules_set_over_the_admin_api(
    local_aws: LocalAws, proxy: AwsFaultProxy, clients: AwsClients
) -> None:
    async with aiohttp.ClientSession(base_url=proxy.url) as admin:
        async with admin.post(ADMIN_PATH, json={"service": "s3", "status": 500}) as refused:
            assert refused.status == 400
            assert "service" in (await refused.json())["error"]
        async with admin.post(ADMIN_PATH, json={"service": "dynamodb"}) as refused:
            assert refused.status == 400
        rule = {"service": "dynamodb", "operation": "GetItem", "status": 500, "count": 1}
        async with admin.post(ADMIN_PATH, json=rule) as added:
            assert added.status == 201 and await added.json() == {"faults": 1}

        dynamodb = await clients.get("dynamodb")
        await dynamodb.get_item(TableName=local_aws.refs["UsersTable"], Key={"userId": {"S": "x"}})

        async with admin.get(ADMIN_PATH) as listed:
            state = await listed.json()
        assert [i["error"] for i in state["injected"]] == ["InternalServerError"]
        assert {"service": "dynamodb", "operation": "GetItem", "count": 2} in state["calls"]
        async with admin.delete(ADMIN_PATH) as cleared:
            assert await cleared.json() == {"faults": 0}
    assert proxy.faults.rules == [] and len(proxy.faults.injected) == 0


async def test_requests_reach_aws_with_the_host_they_were_signed_with() -> None:
    """moto ignores signatures; AWS checks them, over the Host header among others. What arrives
    behind the proxy must verify."""
    arrived: list[tuple[str, dict[str, str], bytes]] = []

    async def record(request: web.Request) -> web.Response:
        arrived.append((request.raw_path, dict(request.headers), await request.read()))
        return web.json_response({"TableNames": []})

    upstream = web.Application()
    upstream.router.add_post("/", record)
    runner, upstream_url = await serve(upstream)
    proxy = AwsFaultProxy(aws_endpoint=upstream_url, lambda_endpoint=upstream_url)
    await proxy.start()
    try:
        assert proxy.url is not None
        credentials = Credentials("AKIDEXAMPLE", "secret-example")
        body = b"{}"
        signed = AWSRequest(
            method="POST",
            url=f"{proxy.url}/",
            data=body,
            headers={
                "X-Amz-Target": "DynamoDB_20120810.ListTables",
                "Content-Type": "application/x-amz-json-1.0",
            },
        )
        SigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(signed)
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{proxy.url}/", data=body, headers=dict(signed.headers)) as answer,
        ):
            assert answer.status == 200
    finally:
        await proxy.stop()
        await runner.cleanup()

    [(path, headers, received)] = arrived
    assert headers["Host"] == proxy.url.removeprefix("http://")
    signed_names = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert "host" in signed_names
    check = AWSRequest(
        method="POST",
        url=f"http://{headers['Host']}{path}",
        data=received,
        headers={name: headers[name] for name in headers if name.lower() in signed_names},
    )
    check.context["timestamp"] = headers["X-Amz-Date"]
    auth = SigV4Auth(credentials, "dynamodb", "us-east-1")
    signature = auth.signature(auth.string_to_sign(check, auth.canonical_request(check)), check)
    assert headers["Authorization"].endswith(f"Signature={signature}")


async def test_the_stacks_functions_reach_aws_through_the_proxy(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    assert clean_stack.functions is not None and clean_stack.aws_proxy is not None
    for function in ("UserManagementFunction", "BidExecutorFunction"):
        env = clean_stack.functions.environment(function)
        assert env["AWS_ENDPOINT_URL"] == env["LAMBDA_ENDPOINT_URL"] == clean_stack.aws_proxy.url
    user = await api_user()
    clean_stack.aws_faults.add(
        "dynamodb", "GetItem", error="ProvisionedThroughputExceededException", count=2
    )
    async with user.client.get("/users/profile") as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["userId"] == user.user_id
    assert len(clean_stack.aws_faults.injected) == 2
    assert clean_stack.aws_faults.calls[("dynamodb", "GetItem")] >= 3
