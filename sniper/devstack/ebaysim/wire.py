"""Shared HTTP pieces: JSON responses, eBay's error envelope, and bearer-token checks."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import web

from sniper.devstack.ebaysim.accounts import AccessGrant
from sniper.devstack.ebaysim.state import SimState

STATE_KEY = web.AppKey("sim_state", SimState)
ARRIVED_NS = web.RequestKey("sim_arrived_ns", int)

_encoder = msgspec.json.Encoder()

OFFER_SCOPE = "https://api.ebay.com/oauth/api_scope/buy.offer.auction"
IDENTITY_SCOPE = "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly"
PUBLIC_SCOPE = "https://api.ebay.com/oauth/api_scope"

# The errorId each API answers for an internal failure (the contracts' 500 entries).
INTERNAL_ERRORS: dict[str, tuple[int, str]] = {
    "API_OFFER": (
        120000,
        "There was a problem with an eBay internal system or process. "
        "Contact eBay developer support for assistance.",
    ),
    "API_BROWSE": (
        11000,
        "There was a problem with an eBay internal system or process. "
        "Contact eBay developer support for assistance.",
    ),
    "API_IDENTITY": (
        140000,
        "There was a problem with an eBay internal system or process. "
        "Contact eBay developer support for assistance.",
    ),
}


def json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=_encoder.encode(payload), status=status, content_type="application/json"
    )


def error_response(
    status: int,
    error_id: int,
    domain: str,
    category: str,
    message: str,
    *,
    long_message: str | None = None,
    parameters: list[dict[str, str]] | None = None,
) -> web.Response:
    error: dict[str, Any] = {
        "errorId": error_id,
        "domain": domain,
        "category": category,
        "message": message,
    }
    if long_message:
        error["longMessage"] = long_message
    if parameters:
        error["parameters"] = parameters
    return json_response({"errors": [error]}, status)


def invalid_token() -> web.Response:
    return error_response(
        401,
        1001,
        "OAuth",
        "REQUEST",
        "Invalid access token",
        long_message="Invalid access token. "
        "Check the value of the Authorization HTTP request header.",
    )


def insufficient_permissions() -> web.Response:
    return error_response(
        403,
        1100,
        "ACCESS",
        "REQUEST",
        "Access denied",
        long_message="Insufficient permissions to fulfill the request.",
    )


def fault_response(
    status: int, domain: str | None, retry_after_s: int | None = None
) -> web.Response:
    if status == 429:
        response = error_response(
            429,
            2001,
            "ACCESS",
            "REQUEST",
            "Too many requests",
            long_message="The request limit has been reached for the resource.",
        )
    else:
        error_id, message = INTERNAL_ERRORS.get(domain or "", (10000, "Internal error"))
        response = error_response(status, error_id, domain or "API", "APPLICATION", message)
    if retry_after_s is not None:
        response.headers["Retry-After"] = str(retry_after_s)
    return response


def bearer_grant(request: web.Request, state: SimState) -> AccessGrant | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return state.accounts.authenticate(token.strip(), request[ARRIVED_NS])


def user_grant(request: web.Request, state: SimState, scope: str) -> AccessGrant | web.Response:
    """A user token with the scope, or the response eBay gives when there is none."""
    grant = bearer_grant(request, state)
    if grant is None:
        return invalid_token()
    if grant.username is None or scope not in grant.scopes:
        return insufficient_permissions()
    return grant
