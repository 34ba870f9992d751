"""Tokens made by hand, for testing the local JWT authorizer.

moto signs every user pool's tokens with one RSA key shipped in its package (kid "dummy"); with
that key a test can mint a token Cognito could have issued (an expired one, say). A freshly
generated key stands in for an attacker's.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

MOTO_KID = "dummy"


@functools.cache
def moto_signing_key() -> Any:
    return jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key


@functools.cache
def foreign_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def claims_of(token: str) -> dict[str, Any]:
    """A token's claims, unverified."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def forge(
    claims: dict[str, Any], *, key: Any = None, kid: str = MOTO_KID, alg: str = "RS256"
) -> str:
    """A token with these claims, signed with `key` (default: moto's, so it verifies)."""
    return jwt.encode(
        claims, key if key is not None else moto_signing_key(), algorithm=alg, headers={"kid": kid}
    )


def expired(claims: dict[str, Any], *, seconds_ago: int = 60) -> dict[str, Any]:
    now = int(time.time())
    return {
        **claims,
        "iat": now - 3600 - seconds_ago,
        "auth_time": now - 3600 - seconds_ago,
        "exp": now - seconds_ago,
    }
