"""The API's front door, through the local stack over HTTP: who gets in, what is not there, and
what a browser on another origin may do. No route logic is involved: a refusal happens before any
function runs."""

from __future__ import annotations

import re
import secrets
from typing import Any

import aiohttp
import pytest

from sniper.devstack.local.stack import LocalStack
from sniper.devstack.local.template import Template
from tests.fixtures.stack import TEST_PASSWORD, ApiUserFactory
from tests.integration.local.jwt_forgery import claims_of, expired, foreign_key, forge

TEMPLATE = Template.load()
# (method, path, function, authorized) of every route of the template's HTTP API.
ROUTES = [
    (route.method, route.path, spec.logical_id, route.authorized)
    for spec in TEMPLATE.functions()
    for route in spec.routes
]
AUTHORIZED_ROUTES = [(m, p, f) for m, p, f, authorized in ROUTES if authorized]
PUBLIC_ROUTES = [(m, p, f) for m, p, f, authorized in ROUTES if not authorized]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def _invocations(stack: LocalStack) -> int:
    assert stack.functions is not None
    return len(stack.functions.invocations)


async def _status_of(
    client: aiohttp.ClientSession, method: str, path: str, token: str | None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with client.request(method, path, headers=headers) as response:
        return response.status, await response.json(content_type=None)


def test_the_template_declares_authorized_and_public_routes() -> None:
    assert ("GET", "/users/profile", "UserManagementFunction") in AUTHORIZED_ROUTES
    assert ("POST", "/bids", "BidManagementFunction") in AUTHORIZED_ROUTES
    assert ("GET", "/openapi.json", "UserManagementFunction") in PUBLIC_ROUTES
    assert {method for method, _, _ in PUBLIC_ROUTES} == {"GET", "POST"}


@pytest.mark.parametrize(("method", "path", "function", "authorized"), ROUTES)
async def test_without_a_token_only_the_public_routes_run(
    clean_stack: LocalStack,
    anonymous_client: aiohttp.ClientSession,
    method: str,
    path: str,
    function: str,
    authorized: bool,
) -> None:
    assert clean_stack.functions is not None
    before = len(clean_stack.functions.invocations)
    async with anonymous_client.request(method, _concrete(path)) as response:
        status = response.status
        body = await response.json(content_type=None) if authorized else None
    ran = clean_stack.functions.invocations[before:]
    if authorized:
        assert (status, body) == (401, {"message": "Unauthorized"})
        assert ran == [], f"{function} ran without a token"
    else:
        assert status != 401
        assert ran == [(function, "RequestResponse")]


async def test_a_valid_id_token_passes_the_authorizer(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    assert clean_stack.functions is not None
    before = len(clean_stack.functions.invocations)
    async with user.client.get("/users/profile") as response:
        assert response.status != 401
    assert clean_stack.functions.invocations[before:] == [
        ("UserManagementFunction", "RequestResponse")
    ]


async def test_a_valid_access_token_passes_the_authorizer(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user(access_token=True)
    assert claims_of(user.token)["token_use"] == "access"
    async with user.client.get("/users/profile") as response:
        assert response.status != 401


async def test_a_token_minted_with_the_pool_key_is_accepted_so_forgeries_are_fair(
    anonymous_client: aiohttp.ClientSession, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    status, _ = await _status_of(
        anonymous_client, "GET", "/users/profile", forge(claims_of(user.token))
    )
    assert status != 401


async def test_an_expired_token_is_refused(
    clean_stack: LocalStack, anonymous_client: aiohttp.ClientSession, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    token = forge(expired(claims_of(user.token)))
    before = _invocations(clean_stack)
    status, body = await _status_of(anonymous_client, "GET", "/users/profile", token)
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert _invocations(clean_stack) == before


async def test_a_token_signed_with_a_key_of_our_own_is_refused(
    anonymous_client: aiohttp.ClientSession, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    token = forge(claims_of(user.token), key=foreign_key())
    status, body = await _status_of(anonymous_client, "GET", "/users/profile", token)
    assert (status, body) == (401, {"message": "Unauthorized"})


async def test_a_tampered_token_is_refused(
    anonymous_client: aiohttp.ClientSession, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    header, _, signature = user.token.split(".")
    other_claims = forge({**claims_of(user.token), "sub": "someone-else"}).split(".")[1]
    status, _ = await _status_of(
        anonymous_client, "GET", "/users/profile", f"{header}.{other_claims}.{signature}"
    )
    assert status == 401


async def test_a_token_from_another_user_pool_is_refused(
    clean_stack: LocalStack, anonymous_client: aiohttp.ClientSession
) -> None:
    assert clean_stack.aws is not None
    aws = clean_stack.aws
    cognito = aws.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName=f"elsewhere-{secrets.token_hex(3)}")["UserPool"][
        "Id"
    ]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="elsewhere", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username="stranger",
        UserAttributes=[{"Name": "email", "Value": "stranger@example.com"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username="stranger", Password=TEST_PASSWORD, Permanent=True
    )
    token = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "stranger", "PASSWORD": TEST_PASSWORD},
    )["AuthenticationResult"]["IdToken"]
    status, body = await _status_of(anonymous_client, "GET", "/users/profile", token)
    assert (status, body) == (401, {"message": "Unauthorized"})


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nothing-here"), ("GET", "/users"), ("PATCH", "/bids"), ("GET", "/bids/a/b")],
)
async def test_an_unknown_route_is_not_found_even_with_a_token(
    api_user: ApiUserFactory, method: str, path: str
) -> None:
    user = await api_user()
    async with user.client.request(method, path) as response:
        assert response.status == 404
        assert await response.json() == {"message": "Not Found"}


def _frontend_origin(stack: LocalStack) -> str:
    """The web app's origin: locally the stack hosts the app, and the API allows its origin."""
    assert stack.web is not None and stack.web.origins
    return stack.web.origins[0]


async def test_a_preflight_from_the_frontend_origin_is_answered_by_the_gateway(
    clean_stack: LocalStack, anonymous_client: aiohttp.ClientSession
) -> None:
    before = _invocations(clean_stack)
    frontend_origin = _frontend_origin(clean_stack)
    headers = {
        "Origin": frontend_origin,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    async with anonymous_client.options("/users/preferences", headers=headers) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == frontend_origin
        allowed_methods = response.headers["Access-Control-Allow-Methods"].split(",")
        assert {"GET", "POST", "PUT", "DELETE"} <= set(allowed_methods)
        allowed_headers = response.headers["Access-Control-Allow-Headers"].lower().split(",")
        assert {"authorization", "content-type"} <= set(allowed_headers)
        assert response.headers["Access-Control-Max-Age"] == "86400"
    assert _invocations(clean_stack) == before


async def test_a_preflight_from_another_origin_gets_no_cors_headers(
    anonymous_client: aiohttp.ClientSession,
) -> None:
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"}
    async with anonymous_client.options("/users/account", headers=headers) as response:
        assert not [name for name in response.headers if name.lower().startswith("access-control")]


async def test_responses_name_the_frontend_origin_only(
    clean_stack: LocalStack, anonymous_client: aiohttp.ClientSession
) -> None:
    frontend_origin = _frontend_origin(clean_stack)
    async with anonymous_client.get(
        "/users/profile", headers={"Origin": frontend_origin}
    ) as response:
        assert response.status == 401
        assert response.headers["Access-Control-Allow-Origin"] == frontend_origin
    async with anonymous_client.get(
        "/users/profile", headers={"Origin": "https://evil.example"}
    ) as response:
        assert "Access-Control-Allow-Origin" not in response.headers
