"""The caller's identity, from the JWT claims API Gateway verified, and nowhere else."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sniper.api.errors import Unauthenticated
from sniper.services.callers import Caller


def jwt_claims(event: Mapping[str, Any]) -> Mapping[str, Any]:
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    jwt = authorizer.get("jwt") or {}
    claims = jwt.get("claims") or {}
    return claims if isinstance(claims, Mapping) else {}


def caller_of(event: Mapping[str, Any]) -> Caller:
    """The caller of an authorized route; no verified `sub` claim is a 401."""
    claims = jwt_claims(event)
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise Unauthenticated("this route needs a signed-in user")
    email = claims.get("email")
    name = claims.get("name")
    return Caller(
        user_id=sub,
        email=email if isinstance(email, str) else "",
        name=name if isinstance(name, str) else "",
    )
