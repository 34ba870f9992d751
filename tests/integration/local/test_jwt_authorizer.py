"""The local JWT authorizer against moto's user pool and JWKS, and against a JWKS server of ours."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest
import pytest_asyncio
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.jwt_auth import (
    JwtAuthorizer,
    TokenRefused,
    gateway_claims,
    gateway_scopes,
)
from sniper.devstack.local.serving import serve
from sniper.devstack.local.stack import sign_in
from tests.integration.local.jwt_forgery import claims_of, expired, foreign_key, forge

PASSWORD = "Authz-Test-Passw0rd!"


@pytest.fixture
def authorizer(local_aws_session: LocalAws, http: aiohttp.ClientSession) -> JwtAuthorizer:
    return JwtAuthorizer.for_local_aws(local_aws_session, http)


def _new_user(aws: LocalAws, pool_id: str, client_id: str) -> tuple[str, str]:
    """A confirmed user in `pool_id`, signed in through `client_id`: (id token, access token)."""
    username = f"authz-{secrets.token_hex(4)}"
    cognito = aws.client("cognito-idp")
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
    )
    tokens = sign_in(aws.endpoint, aws.region, client_id, username, PASSWORD)
    return tokens.id_token, tokens.access_token


@pytest.fixture
def user_tokens(local_aws_session: LocalAws) -> tuple[str, str]:
    aws = local_aws_session
    return _new_user(aws, aws.refs["UserPool"], aws.refs["UserPoolClient"])


def test_the_template_authorizer_is_resolved_against_the_local_pool(
    authorizer: JwtAuthorizer, local_aws_session: LocalAws
) -> None:
    pool_id = local_aws_session.refs["UserPool"]
    assert authorizer.issuer == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert authorizer.audiences == {local_aws_session.refs["UserPoolClient"]}
    assert authorizer.jwks_url == f"{local_aws_session.endpoint}/{pool_id}/.well-known/jwks.json"


async def test_the_pools_id_and_access_tokens_give_their_claims(
    authorizer: JwtAuthorizer, user_tokens: tuple[str, str]
) -> None:
    id_token, access_token = user_tokens
    claims = await authorizer.verify(f"Bearer {id_token}")
    assert claims["token_use"] == "id"
    assert claims["sub"] == claims_of(id_token)["sub"]
    # An access token names the app client in client_id, not in aud: accepted all the same.
    claims = await authorizer.verify(f"Bearer {access_token}")
    assert claims["token_use"] == "access"
    assert "aud" not in claims
    assert gateway_scopes(claims) == ["aws.cognito.signin.user.admin"]


@pytest.mark.parametrize("form", ["bare", "lower-case scheme"])
async def test_the_bearer_prefix_is_optional_as_in_api_gateway(
    authorizer: JwtAuthorizer, user_tokens: tuple[str, str], form: str
) -> None:
    id_token, _ = user_tokens
    header = id_token if form == "bare" else f"bearer {id_token}"
    assert (await authorizer.verify(header))["token_use"] == "id"


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer   ", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz"]
)
async def test_no_token_or_garbage_is_unauthorized(
    authorizer: JwtAuthorizer, header: str | None
) -> None:
    with pytest.raises(TokenRefused):
        await authorizer.verify(header)


async def test_a_token_minted_with_moto_key_verifies_so_the_forgeries_below_are_fair(
    authorizer: JwtAuthorizer, user_tokens: tuple[str, str]
) -> None:
    claims = claims_of(user_tokens[0])
    assert (await authorizer.verify(forge(claims)))["sub"] == claims["sub"]


async def test_an_expired_token_is_unauthorized(
    authorizer: JwtAuthorizer, user_tokens: tuple[str, str]
) -> None:
    with pytest.raises(TokenRefused, match="expired"):
        await authorizer.verify(forge(expired(claims_of(user_tokens[0]))))


async def test_a_token_signed_with_another_key_is_unauthorized(
    authorizer: JwtAuthorizer, user_tokens: tuple[str, str]
) -> None:
    with pytest.raises(TokenRefused, match=r"(?i)signature"):
        await authorizer.verify(forge(claims_of(user_tokens[0]), key=foreign_key()))


async def test_a_token_naming_an_unknown_key_is_unauthorized(
    authorizer: JwtAuthorizer, user_tokens: tuple[str, str]
) -> None:
    with pytest.raises(TokenRefused, match="unknown key"):
        await authorizer.verify(forge(claims_of(user_tokens[0]), kid="rotated-away"))


async def test_the_public_key_as_an_hmac_secret_is_refused(
    authorizer: JwtAuthorizer, user_tokens: tuple[str, str]
) -> None:
    # The classic algorithm confusion: HS256 keyed with the (public) RSA key. PyJWT will not
    # build one, so it is assembled by hand.
    public_pem = (
        foreign_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing_input = b".".join(
        _b64(json.dumps(part).encode())
        for part in ({"alg": "HS256", "kid": "dummy", "typ": "JWT"}, claims_of(user_tokens[0]))
    )
    signature = _b64(hmac.new(public_pem, signing_input, hashlib.sha256).digest())
    token = (signing_input + b"." + signature).decode()
    with pytest.raises(TokenRefused, match="algorithm"):
        await authorizer.verify(token)


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


async def test_a_token_from_another_pool_is_unauthorized(
    authorizer: JwtAuthorizer, local_aws_session: LocalAws
) -> None:
    cognito = local_aws_session.client("cognito-idp")
    pool_id = cognito.create_user_pool(PoolName=f"other-{secrets.token_hex(3)}")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    id_token, _ = _new_user(local_aws_session, pool_id, client_id)
    # Same signing key in moto, so only the issuer tells the pools apart.
    with pytest.raises(TokenRefused, match=r"(?i)issuer"):
        await authorizer.verify(f"Bearer {id_token}")


async def test_a_token_for_another_client_of_the_pool_is_unauthorized(
    authorizer: JwtAuthorizer, local_aws_session: LocalAws
) -> None:
    cognito = local_aws_session.client("cognito-idp")
    pool_id = local_aws_session.refs["UserPool"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="not-the-api", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    id_token, access_token = _new_user(local_aws_session, pool_id, client_id)
    for token in (id_token, access_token):
        with pytest.raises(TokenRefused, match="audience"):
            await authorizer.verify(token)


@pytest.mark.parametrize("claim", ["iat", "nbf"])
async def test_a_token_from_the_future_is_unauthorized(
    authorizer: JwtAuthorizer, user_tokens: tuple[str, str], claim: str
) -> None:
    claims = {**claims_of(user_tokens[0]), claim: int(time.time()) + 600}
    with pytest.raises(TokenRefused):
        await authorizer.verify(forge(claims))


async def test_a_refresh_or_unknown_token_use_is_unauthorized(
    authorizer: JwtAuthorizer, user_tokens: tuple[str, str]
) -> None:
    claims = {**claims_of(user_tokens[0]), "token_use": "refresh"}
    with pytest.raises(TokenRefused, match="token_use"):
        await authorizer.verify(forge(claims))


# ---------------------------------------------------------------------- key caching
class JwksServer:
    """A JWKS endpoint whose key set a test changes, counting fetches."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        self.url = ""

    def add_key(self, kid: str) -> rsa.RSAPrivateKey:
        self.keys[kid] = key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key

    async def handle(self, request: web.Request) -> web.Response:
        self.fetches += 1
        entries: list[dict[str, Any]] = []
        for kid, key in self.keys.items():
            entry = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            entries.append({**entry, "kid": kid, "alg": "RS256", "use": "sig"})
        return web.json_response({"keys": entries})


@pytest_asyncio.fixture(loop_scope="session")
async def jwks_server() -> AsyncIterator[JwksServer]:
    server = JwksServer()
    app = web.Application()
    app.router.add_get("/pool/.well-known/jwks.json", server.handle)
    runner, url = await serve(app)
    server.url = f"{url}/pool/.well-known/jwks.json"
    yield server
    await runner.cleanup()


def _claims(issuer: str, audience: str) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": issuer, "aud": audience, "sub": "user-1", "token_use": "id",
            "iat": now, "exp": now + 600}  # fmt: skip


async def test_keys_are_fetched_once_and_again_only_for_an_unknown_kid(
    jwks_server: JwksServer, http: aiohttp.ClientSession
) -> None:
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/pool"
    authorizer = JwtAuthorizer(
        issuer=issuer, audiences=["client"], jwks_url=jwks_server.url, http=http
    )
    first = jwks_server.add_key("first")
    token = forge(_claims(issuer, "client"), key=first, kid="first")
    await asyncio.gather(*(authorizer.verify(token) for _ in range(5)))
    assert jwks_server.fetches == 1

    rotated = jwks_server.add_key("rotated")
    claims = await authorizer.verify(forge(_claims(issuer, "client"), key=rotated, kid="rotated"))
    assert claims["sub"] == "user-1"
    assert jwks_server.fetches == 2

    await authorizer.verify(token)
    assert jwks_server.fetches == 2


async def test_an_unreachable_jwks_is_unauthorized_not_a_crash(http: aiohttp.ClientSession) -> None:
    authorizer = JwtAuthorizer(
        issuer="https://issuer",
        audiences=["client"],
        jwks_url="http://127.0.0.1:9/jwks.json",
        http=http,
    )
    token = forge(_claims("https://issuer", "client"), key=foreign_key(), kid="k")
    with pytest.raises(TokenRefused, match="keys unavailable"):
        await authorizer.verify(token)


def test_claims_reach_the_function_as_strings_like_api_gateway_sends_them() -> None:
    claims = {"sub": "abc", "exp": 1700000000, "email_verified": True,
              "cognito:groups": ["admins", "buyers"]}  # fmt: skip
    assert gateway_claims(claims) == {
        "sub": "abc",
        "exp": "1700000000",
        "email_verified": "true",
        "cognito:groups": "[admins buyers]",
    }
    assert gateway_scopes({"token_use": "id"}) is None
