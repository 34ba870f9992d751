"""The local gateway over HTTP, with a test-only echo function added to the template: the v2
event it builds, how it reads results, routing, authorization, CORS and concurrent invocations."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import re
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
import pytest_asyncio

from sniper.devstack.local.gateway import ApiRoute, GatewayRoutes
from sniper.devstack.local.stack import LocalStack, StackOptions
from sniper.devstack.local.template import Template
from tests.integration.local.echo_function import BINARY_BODY
from tests.integration.local.jwt_forgery import claims_of
from tests.integration.local.rendezvous import Rendezvous


def _allowed_origin(stack: LocalStack) -> str:
    """The origin the API's CORS allows: locally, the web app the stack serves."""
    assert stack.web is not None and stack.web.origins
    return stack.web.origins[0]


def _http_event(path: str, method: str, *, public: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"ApiId": {"Ref": "HttpApi"}, "Path": path, "Method": method}
    if public:
        properties["Auth"] = {"Authorizer": "NONE"}
    return {"Type": "HttpApi", "Properties": properties}


def echo_template() -> Template:
    """template.yaml plus an EchoFunction whose handler lives in the tests."""
    document = copy.deepcopy(dict(Template.load().document))
    document["Resources"]["EchoFunction"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "FunctionName": {"Fn::Sub": "${AWS::StackName}-echo"},
            "Handler": "tests.integration.local.echo_function.handler",
            "Events": {
                "Pair": _http_event("/echo/{first}/{second}", "POST"),
                "FixedPair": _http_event("/echo/fixed/{second}", "POST"),
                "Plain": _http_event("/echo", "GET"),
                "Anything": _http_event("/public/echo", "ANY", public=True),
                "Files": _http_event("/files/{path+}", "GET"),
            },
        },
    }
    return Template(document)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def echo_stack() -> AsyncIterator[LocalStack]:
    options = StackOptions(
        api_port=0, stack_name=f"sniper-gw-{secrets.token_hex(3)}", template=echo_template()
    )
    async with LocalStack(options) as stack:
        yield stack


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def id_token(echo_stack: LocalStack) -> str:
    return (await echo_stack.sign_in()).id_token


@pytest_asyncio.fixture(loop_scope="session")
async def client(echo_stack: LocalStack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=echo_stack.api_url) as session:
        yield session


def _echo_calls(stack: LocalStack) -> int:
    assert stack.functions is not None
    return sum(1 for name, _ in stack.functions.invocations if name == "EchoFunction")


async def test_an_authorized_request_becomes_a_v2_event(
    echo_stack: LocalStack, client: aiohttp.ClientSession, id_token: str
) -> None:
    body = json.dumps({"maxBid": "17.50"})
    before = time.time()
    async with client.post(
        "/echo/one/two%7Cthree?a=1&a=2&b=x%20y&empty=",
        data=body,
        headers=[
            ("Authorization", f"Bearer {id_token}"),
            ("Content-Type", "application/json"),
            ("X-Custom", "v1"),
            ("X-Custom", "v2"),
            ("User-Agent", "gateway-test/1.0"),
            ("Cookie", "c1=v1; c2=v2"),
            ("Origin", _allowed_origin(echo_stack)),
        ],
    ) as response:
        assert response.status == 200
        event = await response.json()
        request_id = response.headers["apigw-requestid"]
        assert response.headers["Access-Control-Allow-Origin"] == _allowed_origin(echo_stack)

    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /echo/{first}/{second}"
    assert event["rawPath"] == "/echo/one/two%7Cthree"
    assert event["rawQueryString"] == "a=1&a=2&b=x%20y&empty="
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y", "empty": ""}
    assert event["pathParameters"] == {"first": "one", "second": "two|three"}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["body"] == body
    assert event["isBase64Encoded"] is False

    headers = event["headers"]
    assert all(name == name.lower() for name in headers)
    assert "cookie" not in headers
    assert headers["x-custom"] == "v1,v2"
    assert headers["content-type"] == "application/json"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    host = urlsplit(echo_stack.api_url).netloc
    assert headers["host"] == host

    context = event["requestContext"]
    assert context["accountId"] == "123456789012"
    assert context["domainName"] == host
    assert context["http"] == {
        "method": "POST",
        "path": "/echo/one/two%7Cthree",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "gateway-test/1.0",
    }
    assert context["requestId"] == request_id
    assert context["routeKey"] == "POST /echo/{first}/{second}"
    assert context["stage"] == "$default"
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", context["time"])
    assert before * 1000 - 1000 <= context["timeEpoch"] <= time.time() * 1000 + 1000

    jwt_context = context["authorizer"]["jwt"]
    assert jwt_context["claims"]["sub"] == claims_of(id_token)["sub"]
    assert jwt_context["claims"]["token_use"] == "id"
    assert all(isinstance(value, str) for value in jwt_context["claims"].values())
    assert jwt_context["scopes"] is None


async def test_an_access_token_brings_its_scopes(
    echo_stack: LocalStack, client: aiohttp.ClientSession
) -> None:
    access_token = (await echo_stack.sign_in()).access_token
    headers = {"Authorization": f"Bearer {access_token}"}
    async with client.get("/echo", headers=headers) as response:
        event = await response.json()
    jwt_context = event["requestContext"]["authorizer"]["jwt"]
    assert jwt_context["claims"]["token_use"] == "access"
    assert jwt_context["scopes"] == ["aws.cognito.signin.user.admin"]


async def test_a_request_without_body_query_or_parameters_leaves_them_out(
    client: aiohttp.ClientSession, id_token: str
) -> None:
    async with client.get("/echo", headers={"Authorization": f"Bearer {id_token}"}) as response:
        event = await response.json()
    assert event["routeKey"] == "GET /echo"
    assert event["rawQueryString"] == ""
    for absent in ("body", "queryStringParameters", "pathParameters", "cookies"):
        assert absent not in event
    assert event["isBase64Encoded"] is False


async def test_a_binary_body_arrives_base64_encoded(
    client: aiohttp.ClientSession, id_token: str
) -> None:
    payload = bytes(range(256))
    headers = {"Authorization": f"Bearer {id_token}", "Content-Type": "application/octet-stream"}
    async with client.post("/echo/a/b", data=payload, headers=headers) as response:
        event = await response.json()
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


async def test_a_public_any_route_runs_without_a_token_and_without_claims(
    client: aiohttp.ClientSession,
) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        async with client.request(method, "/public/echo") as response:
            assert response.status == 200
            event = await response.json()
        assert event["routeKey"] == "ANY /public/echo"
        assert event["requestContext"]["http"]["method"] == method
        assert "authorizer" not in event["requestContext"]


async def test_a_greedy_parameter_takes_the_rest_of_the_path(
    client: aiohttp.ClientSession, id_token: str
) -> None:
    headers = {"Authorization": f"Bearer {id_token}"}
    async with client.get("/files/a/b/c.txt", headers=headers) as response:
        event = await response.json()
    assert event["pathParameters"] == {"path": "a/b/c.txt"}


async def test_the_most_specific_route_wins(client: aiohttp.ClientSession, id_token: str) -> None:
    headers = {"Authorization": f"Bearer {id_token}"}
    async with client.post("/echo/fixed/x", headers=headers) as response:
        assert (await response.json())["routeKey"] == "POST /echo/fixed/{second}"
    async with client.post("/echo/other/x", headers=headers) as response:
        assert (await response.json())["routeKey"] == "POST /echo/{first}/{second}"


def test_route_table_orders_literal_before_parameter_before_greedy() -> None:
    table = GatewayRoutes(
        [
            ApiRoute("GET", "/{proxy+}", "Greedy", True),
            ApiRoute("GET", "/items/{id}", "Param", True),
            ApiRoute("ANY", "/items/special", "Any", True),
            ApiRoute("GET", "/items/special", "Exact", True),
        ]
    )

    def owner(method: str, path: str) -> str | None:
        matched = table.match(method, path)
        return matched[0].function if matched else None

    assert owner("GET", "/items/special") == "Exact"
    assert owner("POST", "/items/special") == "Any"
    assert owner("GET", "/items/7") == "Param"
    assert owner("GET", "/items/7/more") == "Greedy"
    assert owner("POST", "/items/7") is None
    assert owner("GET", "/items/") == "Greedy"


async def test_a_base64_result_with_cookies_becomes_the_http_response(
    client: aiohttp.ClientSession,
) -> None:
    async with client.get(
        "/public/echo?respond=binary", headers={"Origin": "https://elsewhere.example"}
    ) as response:
        assert response.status == 201
        assert await response.read() == BINARY_BODY
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["X-Echo"] == "yes"
        assert response.headers.getall("Set-Cookie") == ["first=1; Path=/", "second=2; HttpOnly"]
        # The gateway owns CORS: the function's own "*" does not reach a foreign origin.
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_a_result_without_status_code_is_a_200_json_body(
    client: aiohttp.ClientSession,
) -> None:
    async with client.get("/public/echo?respond=plain") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        assert await response.json() == {"plain": True, "routeKey": "ANY /public/echo"}


@pytest.mark.parametrize("respond", ["raise", "malformed"])
async def test_a_failing_or_malformed_function_is_a_500(
    client: aiohttp.ClientSession, respond: str
) -> None:
    async with client.get(f"/public/echo?respond={respond}") as response:
        assert response.status == 500
        assert await response.json() == {"message": "Internal Server Error"}


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer abc.def.ghi", "Basic dXNlcjpwYXNz"]
)
async def test_a_missing_or_bad_token_is_a_401_before_the_function_runs(
    echo_stack: LocalStack, client: aiohttp.ClientSession, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    headers["Origin"] = _allowed_origin(echo_stack)
    calls = _echo_calls(echo_stack)
    async with client.post("/echo/a/b", headers=headers) as response:
        assert response.status == 401
        assert await response.json() == {"message": "Unauthorized"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        # API Gateway puts CORS headers on its own refusals too, so browsers can read them.
        assert response.headers["Access-Control-Allow-Origin"] == _allowed_origin(echo_stack)
    assert _echo_calls(echo_stack) == calls


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nowhere"), ("PUT", "/echo"), ("POST", "/echo/a"), ("POST", "/echo/a/b/c")],
)
async def test_an_unknown_route_is_a_404(
    client: aiohttp.ClientSession, method: str, path: str
) -> None:
    async with client.request(method, path) as response:
        assert response.status == 404
        assert await response.json() == {"message": "Not Found"}


async def test_concurrent_calls_run_at_once_each_in_a_container_of_its_own(
    echo_stack: LocalStack, client: aiohttp.ClientSession
) -> None:
    functions = echo_stack.functions
    assert functions is not None
    await functions.retire_containers()  # no warm one: every call below needs a container
    started = len(functions.pool.cold_starts.matching(lambda c: c.function == "EchoFunction"))
    calls = 6

    async with Rendezvous(calls) as meeting:

        async def call() -> tuple[int, Any]:
            url = f"/public/echo?respond=rendezvous&at={meeting.url}"
            async with client.get(url) as response:
                return response.status, await response.json()

        answers = await asyncio.gather(*(call() for _ in range(calls)))

    # Each call was answered only once all six were inside the function at the same time.
    assert answers == [(200, {"met": calls})] * calls
    built = functions.pool.cold_starts.matching(lambda c: c.function == "EchoFunction")
    assert len(built) - started == calls
    assert functions.pool.peak_busy["EchoFunction"] == calls
