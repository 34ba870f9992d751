"""Idempotency-Key's protocol on fakes and a fake clock: the first request does the work, its
answer is replayed; a twin waits for it; a dead request's key is taken over after its lease;
failures on our side release the key; keys expire (tests/integration/api/test_idempotency.py
holds the same on DynamoDB, through the route)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from aws_lambda_powertools.event_handler import Response

from sniper.api.idempotency import (
    LEASE_MS,
    REPLAYED_HEADER,
    RETENTION_S,
    WAIT_MS,
    IdempotencyKeyReused,
    IdempotentRequests,
    RequestInProgress,
)
from sniper.domain.errors import BusinessRuleViolation, UpstreamUnavailable
from sniper.services.ports.stores import IdempotencyRecord, StoredAnswer
from tests.fakes.world import World

USER = "user-1"


@pytest.fixture
def requests(world: World) -> IdempotentRequests:
    return IdempotentRequests(
        world.stores.idempotency, correlation_id=lambda: "cid", clock=world.clock
    )


def _answer(body: str, status: int = 201) -> Callable[[], Awaitable[Response[str]]]:
    async def run() -> Response[str]:
        return Response(status_code=status, content_type="application/json", body=body)

    return run


async def test_the_first_answer_is_replayed_and_the_work_done_once(
    requests: IdempotentRequests,
) -> None:
    runs: list[int] = []

    async def create() -> Response[str]:
        runs.append(1)
        return Response(status_code=201, content_type="application/json", body='{"n": 1}')

    first = await requests.answer(USER, "k", "fp", create)
    again = await requests.answer(USER, "k", "fp", create)
    assert runs == [1]
    assert (again.status_code, again.body) == (first.status_code, first.body)
    assert again.headers[REPLAYED_HEADER] == "true" and REPLAYED_HEADER not in first.headers


async def test_keys_are_the_users_own(requests: IdempotentRequests) -> None:
    await requests.answer(USER, "k", "fp", _answer('{"n": 1}'))
    other = await requests.answer("user-2", "k", "fp", _answer('{"n": 2}'))
    assert other.body == '{"n": 2}'


async def test_a_twin_waits_for_the_first_answer(
    requests: IdempotentRequests, world: World
) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow() -> Response[str]:
        started.set()
        await release.wait()
        return Response(status_code=201, content_type="application/json", body='{"n": 1}')

    first = asyncio.create_task(requests.answer(USER, "k", "fp", slow))
    await started.wait()
    twin = asyncio.create_task(requests.answer(USER, "k", "fp", _answer("never")))
    while len(world.clock.slept) < 3:  # the twin polls: its waits are the fake world.clock's
        await asyncio.sleep(0)
    release.set()

    assert (await twin).body == (await first).body == '{"n": 1}'
    assert sum(world.clock.slept) * 1000 < WAIT_MS


async def test_past_its_wait_a_twin_is_told_to_retry(
    requests: IdempotentRequests, world: World
) -> None:
    started = asyncio.Event()

    async def stuck() -> Response[str]:
        started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    first = asyncio.create_task(requests.answer(USER, "k", "fp", stuck))
    await started.wait()
    with pytest.raises(RequestInProgress) as caught:
        await requests.answer(USER, "k", "fp", _answer("never"))
    assert caught.value.retry_after_seconds >= 1
    assert WAIT_MS <= sum(world.clock.slept) * 1000 < WAIT_MS + 1000
    with pytest.raises(IdempotencyKeyReused):
        await requests.answer(USER, "k", "another body", _answer("never"))
    first.cancel()


async def test_a_dead_requests_key_is_taken_over_after_its_lease(
    requests: IdempotentRequests, world: World
) -> None:
    now = world.clock.now_ms
    dead = IdempotencyRecord(
        fingerprint="fp", lease_until_ms=now + LEASE_MS, expires_s=now // 1000 + RETENTION_S
    )
    await world.stores.idempotency.claim(USER, "k", dead, token="dead", now_ms=now)
    world.clock.advance(ms=LEASE_MS + 1)
    taken = await requests.answer(USER, "k", "fp", _answer('{"n": 2}'))
    assert taken.body == '{"n": 2}' and REPLAYED_HEADER not in taken.headers
    assert not await world.stores.idempotency.finish(USER, "k", "dead", _stored("late"))


def _stored(body: str) -> StoredAnswer:
    return StoredAnswer(status=201, body=body, headers={})


async def test_our_failures_release_the_key_the_rules_answers_stay(
    requests: IdempotentRequests, world: World
) -> None:
    async def unavailable() -> Response[str]:
        raise UpstreamUnavailable("eBay is down")

    with pytest.raises(UpstreamUnavailable):
        await requests.answer(USER, "k", "fp", unavailable)
    assert await world.stores.idempotency.get(USER, "k") is None

    async def refused() -> Response[str]:
        raise BusinessRuleViolation("no", field="maxBid")

    first = await requests.answer(USER, "k", "fp", refused)
    again = await requests.answer(USER, "k", "fp", _answer("not run"))
    assert first.status_code == again.status_code == 422 and again.body == first.body

    world.clock.advance(seconds=RETENTION_S + 1)
    fresh = await requests.answer(USER, "k", "another body", _answer('{"n": 3}'))
    assert fresh.body == '{"n": 3}'
