"""The OAuth `state`: binds an eBay consent to the user who started it, for a short while, once.

`v1.<payload>.<mac>`: the payload (a nonce and an expiry) is base64url JSON, the mac is
HMAC-SHA256 over the payload *and the user id*, so the state names no one yet only verifies for
the user it was issued to. Redeeming it spends its nonce in a ledger (a conditional write), so a
replayed state, even with another authorization code, cannot link the account again. It travels
through eBay and the browser, so it is never logged.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable

import msgspec

from sniper.clock import SYSTEM_CLOCK, Clock, now_ms
from sniper.domain.errors import InvalidInput, UpstreamUnavailable
from sniper.services.opaque import b64url_decode, b64url_encode
from sniper.services.ports.stores import SpentStateStore

_VERSION = "v1"
_MIN_KEY_BYTES = 32


class InvalidState(InvalidInput):
    code = "invalid_state"


class StateExpired(InvalidState):
    code = "state_expired"


class StateAlreadyUsed(InvalidState):
    code = "state_already_used"


class VerifiedState(msgspec.Struct, frozen=True, kw_only=True):
    nonce: str
    expires_ms: int


class _Payload(msgspec.Struct, frozen=True):
    n: str  # nonce: two states issued in the same millisecond still differ
    e: int  # expiry, epoch ms


class IssuedState(msgspec.Struct, frozen=True, kw_only=True):
    value: str
    expires_ms: int

    def __repr__(self) -> str:
        return f"IssuedState(value='***', expires_ms={self.expires_ms})"


class OAuthStates:
    def __init__(
        self,
        key: bytes,
        *,
        ttl_seconds: int,
        ledger: SpentStateStore,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if len(key) < _MIN_KEY_BYTES:
            raise UpstreamUnavailable("the OAuth state key is missing or too short")
        self._key = key
        self.ttl_ms = ttl_seconds * 1000
        self.ledger = ledger
        self.clock = clock

    def _mac(self, user_id: str, payload: str) -> str:
        message = f"{_VERSION}|{user_id}|{payload}".encode()
        return b64url_encode(hmac.new(self._key, message, hashlib.sha256).digest())

    def issue(self, user_id: str) -> IssuedState:
        expires = now_ms(self.clock) + self.ttl_ms
        payload = b64url_encode(msgspec.json.encode(_Payload(secrets.token_hex(16), expires)))
        return IssuedState(
            value=f"{_VERSION}.{payload}.{self._mac(user_id, payload)}", expires_ms=expires
        )

    async def redeem(self, value: str, user_id: str) -> None:
        """Accept a state issued to `user_id`, unexpired and never redeemed; then it is spent."""
        verified = self.verify(value, user_id)
        if not await self.ledger.spend(user_id, verified.nonce, verified.expires_ms):
            raise StateAlreadyUsed(
                "this linking attempt was already used; start linking again", field="state"
            )

    def verify(self, value: str, user_id: str) -> VerifiedState:
        """Accept a state issued to `user_id` and not yet expired; refuse anything else."""
        refused = InvalidState(
            "this state was not issued to you or was altered; start linking again", field="state"
        )
        version, _, rest = value.partition(".")
        payload, _, mac = rest.partition(".")
        if version != _VERSION or not payload or not mac:
            raise refused
        # Constant time, and before the payload is trusted for anything.
        if not hmac.compare_digest(mac, self._mac(user_id, payload)):
            raise refused
        try:
            decoded = msgspec.json.decode(b64url_decode(payload), type=_Payload)
        except (binascii.Error, ValueError, msgspec.DecodeError):
            raise refused from None
        if decoded.e <= now_ms(self.clock):
            raise StateExpired("this linking attempt expired; start linking again", field="state")
        return VerifiedState(nonce=decoded.n, expires_ms=decoded.e)


class StateKeySource:
    """The HMAC key from Secrets Manager, re-read after `ttl_seconds` so a rotation lands."""

    def __init__(
        self, read_text: Callable[[], Awaitable[str]], *, ttl_seconds: float = 300.0
    ) -> None:
        self._read_text = read_text
        self.ttl_seconds = ttl_seconds
        self._cached: tuple[float, bytes] | None = None

    async def key(self) -> bytes:
        if self._cached and self._cached[0] > time.monotonic():
            return self._cached[1]
        key = (await self._read_text()).strip().encode()
        self._cached = (time.monotonic() + self.ttl_seconds, key)
        return key
