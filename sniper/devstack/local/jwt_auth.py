"""API Gateway's JWT authorizer, locally: verify a Cognito token against the user pool's JWKS.

The checks are the ones an HTTP API's JWT authorizer makes (RS256 signature by a key from the
issuer's JWKS, `iss`, audience, `exp`, `nbf`/`iat` not in the future), plus Cognito's `token_use`.
Cognito puts the app client in `aud` on an ID token and in `client_id` on an access token; the
authorizer accepts either against the configured audience. The JWKS is fetched from the local AWS
(moto serves it at `{endpoint}/{pool id}/.well-known/jwks.json`), cached, and fetched again when a
token names a key id it has not seen.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt

from sniper.devstack.local.aws import LocalAws

log = logging.getLogger("sniper.devstack.local.jwt_auth")

_ALGORITHMS = ["RS256"]
_TOKEN_USES = frozenset({"id", "access"})


class TokenRefused(Exception):
    """The request carries no token, or one the authorizer refuses (the reason is for logs)."""


class JwtAuthorizer:
    def __init__(
        self,
        *,
        issuer: str,
        audiences: Collection[str],
        jwks_url: str,
        http: aiohttp.ClientSession,
        leeway_seconds: float = 0.0,
    ) -> None:
        self.issuer = issuer
        self.audiences = frozenset(audiences)
        self.jwks_url = jwks_url
        self.leeway_seconds = leeway_seconds
        self._http = http
        self._keys: dict[str, jwt.PyJWK] = {}
        self._lock = asyncio.Lock()

    @classmethod
    def for_local_aws(cls, aws: LocalAws, http: aiohttp.ClientSession) -> JwtAuthorizer:
        """The template's authorizer (`JwtConfiguration`), resolved against the local AWS."""
        api = next(iter(aws.template.of_type("AWS::Serverless::HttpApi").values()))
        auth = api["Properties"]["Auth"]
        authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
        config = authorizer["JwtConfiguration"]
        issuer = aws.resolve(config["issuer"])
        # Cognito serves the keys under the issuer's path; locally moto serves that path.
        jwks_url = f"{aws.endpoint}{urlsplit(issuer).path}/.well-known/jwks.json"
        audiences = [aws.resolve(audience) for audience in config["audience"]]
        return cls(issuer=issuer, audiences=audiences, jwks_url=jwks_url, http=http)

    async def verify(self, authorization: str | None) -> dict[str, Any]:
        """The token's claims, or TokenRefused. Accepts `Bearer <token>` or the bare token."""
        token = _token_from_header(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise TokenRefused(f"malformed token: {exc}") from None
        if header.get("alg") not in _ALGORITHMS:
            raise TokenRefused("unsupported signing algorithm")
        key = await self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=_ALGORITHMS,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"verify_aud": False, "require": ["exp", "iss", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise TokenRefused(f"invalid token: {exc}") from None
        self._check_audience(claims)
        if claims.get("token_use") not in _TOKEN_USES:
            raise TokenRefused("token_use is neither id nor access")
        if float(claims.get("iat", 0)) > time.time() + self.leeway_seconds:
            raise TokenRefused("token issued in the future")
        return claims

    def _check_audience(self, claims: Mapping[str, Any]) -> None:
        audience = claims.get("aud", claims.get("client_id"))
        offered = set(audience) if isinstance(audience, list) else {audience}
        if not offered & self.audiences:
            raise TokenRefused("token is for another audience")

    async def _key(self, kid: str) -> jwt.PyJWK:
        key = self._keys.get(kid)
        if key is not None:
            return key
        async with self._lock:
            if kid not in self._keys:
                # An unknown kid may be a rotated key: fetch the set again, once per miss.
                try:
                    await self._fetch_keys()
                except (aiohttp.ClientError, ValueError) as exc:
                    log.warning("cannot fetch the JWKS from %s: %r", self.jwks_url, exc)
                    raise TokenRefused("signing keys unavailable") from None
        key = self._keys.get(kid)
        if key is None:
            raise TokenRefused("token signed by an unknown key")
        return key

    async def _fetch_keys(self) -> None:
        async with self._http.get(self.jwks_url) as response:
            response.raise_for_status()
            document = await response.json(content_type=None)
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []):
            try:
                keys[str(entry["kid"])] = jwt.PyJWK(entry)
            except (KeyError, jwt.PyJWKError):
                continue  # a key we cannot use cannot verify anything; skip it
        self._keys = keys


def _token_from_header(authorization: str | None) -> str:
    if not authorization or not authorization.strip():
        raise TokenRefused("no token")
    scheme, _, rest = authorization.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else authorization.strip()
    if not token:
        raise TokenRefused("no token")
    return token


def gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway hands them to the function: every value a string."""
    return {name: _claim_string(value) for name, value in claims.items()}


def _claim_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        # API Gateway flattens an array claim to "[a b c]".
        return "[" + " ".join(_claim_string(item) for item in value) + "]"
    return str(value)


def gateway_scopes(claims: Mapping[str, Any]) -> list[str] | None:
    """The access token's `scope` claim as a list; None for an ID token (as API Gateway does)."""
    scope = claims.get("scope")
    if not isinstance(scope, str) or not scope:
        return None
    return scope.split()
