"""Idempotency-Key: the same key and the same body give the same answer, and do the work once.

A client sends `Idempotency-Key: <key>` (1 to 128 of A-Z a-z 0-9 . _ : ~ -, optionally in
double quotes as the IETF draft writes it) with POST /bids. Keys are the caller's own (stored in
their partition) and kept 24 h. The first request with a key does the work; its answer (a 2xx, or
a 4xx the rules gave) is stored and replayed to every later request with that key and the same
body, with `Idempotent-Replayed: true`. A 5xx is not stored: the key is released so a retry can
do the work. The same key with another body is 422.

While the first request is still in flight, a twin waits for its answer (polling, up to
WAIT_MS) rather than failing at once: a double-click or a client retry wants the first
request's answer, not an error to handle. Past the wait it gets 409 with Retry-After. A first
request that died holds the key for LEASE_MS (longer than the function's timeout), then a retry
takes it over and does the work again; the one-live-snipe guard keeps that from setting a second
snipe.

Hand-made rather than Powertools' idempotency utility, which we read first: it is synchronous
(boto3; async functions are not supported, powertools-lambda-python#4483, so every call would
block this async app's loop), answers a request whose twin is in flight with an error rather
than the twin's answer, and keeps its records in a table of its own under one partition key,
neither scoped to the user nor removed with the account.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Annotated, Any, Final

import msgspec
from aws_lambda_powertools.event_handler import Depends, Request, Response

from sniper.api.decoding import header
from sniper.api.errors import response_for, status_for
from sniper.api.inputs import raw_event
from sniper.clock import SYSTEM_CLOCK, Clock, now_ms
from sniper.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidInput,
    SniperError,
    UpstreamUnavailable,
)
from sniper.services.ports.stores import IdempotencyRecord, IdempotencyStore, StoredAnswer

KEY_HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"
KEY_MAX_LENGTH: Final = 128
KEY_PATTERN: Final = rf"^[A-Za-z0-9._:~-]{{1,{KEY_MAX_LENGTH}}}$"
RETENTION_S: Final = 24 * 3600
LEASE_MS: Final = 60_000  # longer than the API function's Timeout (template.yaml, 30 s)
WAIT_MS: Final = 10_000
_KEY = re.compile(KEY_PATTERN)


class InvalidIdempotencyKey(InvalidInput):
    code = "invalid_idempotency_key"


class IdempotencyKeyReused(BusinessRuleViolation):
    code = "idempotency_key_reused"


class RequestInProgress(Conflict):
    """A request with this key is still being worked on: ask again shortly."""

    code = "request_in_progress"
    retry_after_seconds = 1


def idempotency_key(event: Mapping[str, Any]) -> str | None:
    """The request's Idempotency-Key, or None; a malformed one is a 400 naming the header."""
    raw = header(event, KEY_HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]  # the IETF draft sends it as a structured-field string
    if not _KEY.match(key):
        raise InvalidIdempotencyKey(
            f"an Idempotency-Key is 1 to {KEY_MAX_LENGTH} of A-Z a-z 0-9 . _ : ~ -",
            field=KEY_HEADER,
        )
    return key


def key_of(request: Request) -> str | None:
    return idempotency_key(raw_event(request))


# The request's Idempotency-Key, read before the route runs (see sniper.api.inputs).
IdempotencyKey = Annotated[str | None, Depends(key_of)]


def request_fingerprint(operation_id: str, request: msgspec.Struct) -> str:
    """The request as decoded (so spacing and field order do not matter), per operation."""
    encoded = msgspec.json.encode(request)
    return hashlib.sha256(operation_id.encode() + b"\n" + encoded).hexdigest()


Run = Callable[[], Awaitable[Response[str]]]


@dataclass(frozen=True)
class IdempotentRequests:
    records: IdempotencyStore
    _: KW_ONLY
    correlation_id: Callable[[], str | None]
    clock: Clock = SYSTEM_CLOCK
    wait_ms: int = WAIT_MS
    lease_ms: int = LEASE_MS

    async def answer(self, user_id: str, key: str, fingerprint: str, run: Run) -> Response[str]:
        """`run()`'s answer for the first request with `key`; the stored one for the rest."""
        deadline = now_ms(self.clock) + self.wait_ms
        while True:
            token = secrets.token_hex(16)
            now = now_ms(self.clock)
            claim = IdempotencyRecord(
                fingerprint=fingerprint,
                lease_until_ms=now + self.lease_ms,
                expires_s=now // 1000 + RETENTION_S,
            )
            record = await self.records.claim(user_id, key, claim, token=token, now_ms=now)
            if record is None:
                return await self._run(user_id, key, token, run)
            stored = await self._await_answer(user_id, key, fingerprint, record, deadline)
            if stored is not None:
                return _replayed(stored)
            # The key is free again (released, expired, or its holder's lease ran out): claim it.

    async def _await_answer(
        self,
        user_id: str,
        key: str,
        fingerprint: str,
        record: IdempotencyRecord | None,
        deadline: int,
    ) -> StoredAnswer | None:
        pause = 0.05
        while record is not None:
            now = now_ms(self.clock)
            if record.expires_s < now // 1000:
                return None
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was used with another request; use a new key",
                    field=KEY_HEADER,
                )
            if record.answer is not None:
                return record.answer
            if record.lease_until_ms < now:
                return None
            if now >= deadline:
                raise RequestInProgress(
                    "a request with this Idempotency-Key is still in progress; try again shortly",
                    field=KEY_HEADER,
                )
            await self.clock.sleep(pause)
            pause = min(pause * 2, 0.5)
            record = await self.records.get(user_id, key)
        return None

    async def _run(self, user_id: str, key: str, token: str, run: Run) -> Response[str]:
        try:
            response = await run()
        except SniperError as error:
            if status_for(error) >= 500:
                await self._release(user_id, key, token)
                raise
            # The rules' answer to this request is its answer: kept, replayed, like a success.
            response = response_for(error, self.correlation_id())
        except BaseException:
            await self._release(user_id, key, token)
            raise
        answer = StoredAnswer(
            status=response.status_code,
            body=str(response.body or ""),
            headers={name: str(value) for name, value in response.headers.items()},
        )
        # If this write fails the work is still done and this answer true; a retry after the
        # lease re-runs the request, and the one-live-snipe guard answers it with this snipe.
        with contextlib.suppress(UpstreamUnavailable):
            await self.records.finish(user_id, key, token, answer)
        return response

    async def _release(self, user_id: str, key: str, token: str) -> None:
        with contextlib.suppress(UpstreamUnavailable):  # else the lease runs out instead
            await self.records.release(user_id, key, token)


def _replayed(answer: StoredAnswer) -> Response[str]:
    return Response(
        status_code=answer.status,
        content_type=answer.headers.get("Content-Type"),
        body=answer.body,
        headers={**answer.headers, REPLAYED_HEADER: "true"},
    )
