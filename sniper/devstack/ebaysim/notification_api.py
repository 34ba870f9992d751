"""eBay's notification side: getPublicKey, and the outgoing account-deletion challenge and push."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
from aiohttp import web

from sniper.devstack.ebaysim.clock import ebay_date
from sniper.devstack.ebaysim.signing import challenge_response
from sniper.devstack.ebaysim.state import SimState
from sniper.devstack.ebaysim.wire import (
    STATE_KEY,
    bearer_grant,
    error_response,
    invalid_token,
    json_response,
)

TOPIC = "MARKETPLACE_ACCOUNT_DELETION"
_TIMEOUT = aiohttp.ClientTimeout(total=10)


async def get_public_key(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if bearer_grant(request, state) is None:
        return invalid_token()
    if request.match_info["public_key_id"] != state.signer.kid:
        return error_response(
            404, 195001, "API_NOTIFICATION", "REQUEST", "The specified public key ID was not found."
        )
    return json_response(
        {"algorithm": "ECDSA", "digest": "SHA1", "key": state.signer.public_key_pem}
    )


@dataclass(frozen=True)
class ChallengeOutcome:
    status: int
    expected: str
    received: str | None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.expected == self.received


async def run_challenge(endpoint: str, verification_token: str) -> ChallengeOutcome:
    """GET endpoint?challenge_code=..., as eBay does when an endpoint is saved."""
    code = secrets.token_hex(32)
    expected = challenge_response(code, verification_token, endpoint)
    async with (
        aiohttp.ClientSession(timeout=_TIMEOUT) as session,
        session.get(endpoint, params={"challenge_code": code}) as response,
    ):
        received: str | None = None
        if response.status == 200:
            try:
                payload = msgspec.json.decode(await response.read())
                value = payload.get("challengeResponse") if isinstance(payload, dict) else None
                received = value if isinstance(value, str) else None
            except msgspec.DecodeError:
                received = None
        return ChallengeOutcome(response.status, expected, received)


def deletion_notification(state: SimState, username: str) -> dict[str, Any]:
    user = state.accounts.ensure_user(username)
    now = state.now_ns()
    return {
        "metadata": {"topic": TOPIC, "schemaVersion": "1.0", "deprecated": False},
        "notification": {
            "notificationId": f"{uuid.uuid4()}_{uuid.uuid4()}",
            "eventDate": ebay_date(now),
            "publishDate": ebay_date(now),
            "publishAttemptCount": 1,
            "data": {
                "username": user.username,
                "userId": user.user_id,
                "eiasToken": user.eias_token,
            },
        },
    }


async def push_notification(state: SimState, endpoint: str, username: str) -> tuple[int, str]:
    """POST a signed account-deletion notification; returns the endpoint's status and the id."""
    payload = deletion_notification(state, username)
    body = msgspec.json.encode(payload)
    headers = {
        "Content-Type": "application/json",
        "X-EBAY-SIGNATURE": state.signer.signature_header(body),
    }
    async with (
        aiohttp.ClientSession(timeout=_TIMEOUT) as session,
        session.post(endpoint, data=body, headers=headers) as response,
    ):
        await response.read()
        return response.status, str(payload["notification"]["notificationId"])
