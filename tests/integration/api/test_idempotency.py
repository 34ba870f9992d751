"""Idempotency-Key on POST /bids: one snipe and one answer per key, on the Bids table in moto.

The route is driven through the local Lambda runtime (parallel requests, each in a container of
its own); the protocol's timing cases (a twin in flight, a lease that ran out, a key past its
24 h) drive IdempotentRequests itself on the same records, with events and a settable clock
instead of waiting.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import Response

from sniper.api.idempotency import (
    REPLAYED_HEADER,
    RETENTION_S,
    IdempotencyKeyReused,
    IdempotentRequests,
    RequestInProgress,
)
from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.domain.errors import BusinessRuleViolation, UpstreamUnavailable
from sniper.storage.idempotency import IdempotencyRecords
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from tests.integration.api.conftest import BIDS, ApiApps, Sim, bid_body, link_ebay
from tests.support.http_events import claims_for, http_event

PARALLEL = 20
KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


async def _post(
    functions: LocalFunctions, user_id: str, body: Any, key: str | None = KEY, **extra: Any
) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key is not None else {}
    event = http_event("POST", "/bids", claims=claims_for(user_id), body=body, headers=headers)
    result: dict[str, Any] = await functions.invoke(BIDS, event)
    return result


async def test_parallel_retries_with_one_key_set_one_snipe_and_get_one_answer(
    sim: Sim, linked: str, functions: LocalFunctions, snipes_repo: SnipesRepository
) -> None:
    auction = await sim.auction()
    body = bid_body(auction["itemId"])
    results = await asyncio.gather(*(_post(functions, linked, body) for _ in range(PARALLEL)))

    assert {r["statusCode"] for r in results} == {201}, [r["body"] for r in results]
    assert len({r["body"] for r in results}) == 1  # byte for byte the same answer
    assert len({r["headers"]["Location"] for r in results}) == 1
    replayed = [r for r in results if r["headers"].get(REPLAYED_HEADER) == "true"]
    assert len(replayed) == PARALLEL - 1
    (snipe,) = await snipes_repo.all_for_user(linked)
    assert json.loads(results[0]["body"])["bidId"] == snipe.bid_id

    later = await _post(functions, linked, body)
    assert (later["statusCode"], later["body"]) == (201, results[0]["body"])
    assert later["headers"][REPLAYED_HEADER] == "true"


async def test_the_same_key_with_another_body_is_422(
    sim: Sim, linked: str, functions: LocalFunctions, snipes_repo: SnipesRepository
) -> None:
    auction = await sim.auction()
    first = await _post(functions, linked, bid_body(auction["itemId"]))
    assert first["statusCode"] == 201
    other = await _post(functions, linked, bid_body(auction["itemId"], "31.00"))
    assert other["statusCode"] == 422
    error = json.loads(other["body"])["error"]
    assert (error["code"], error["field"]) == ("idempotency_key_reused", "Idempotency-Key")
    # The same request spelled differently is the same request.
    respelled = json.dumps(
        {"maxBid": {"currency": "USD", "value": "30.00"}, "itemId": auction["itemId"]}, indent=2
    )
    event = http_event(
        "POST",
        "/bids",
        claims=claims_for(linked),
        raw_body=respelled,
        headers={"Idempotency-Key": f'"{KEY}"'},  # and the key in the IETF draft's quotes
    )
    again = await functions.invoke(BIDS, event)
    assert (again["statusCode"], again["body"]) == (201, first["body"])
    assert len(await snipes_repo.all_for_user(linked)) == 1


async def test_keys_are_each_users_own(
    api: ApiApps, sim: Sim, linked: str, other_user_id: str, functions: LocalFunctions
) -> None:
    await link_ebay(api, sim, other_user_id, "other_buyer")
    auction = await sim.auction()
    mine = await _post(functions, linked, bid_body(auction["itemId"]))
    theirs = await _post(functions, other_user_id, bid_body(auction["itemId"]))
    assert mine["statusCode"] == theirs["statusCode"] == 201
    assert json.loads(mine["body"])["bidId"] != json.loads(theirs["body"])["bidId"]
    assert REPLAYED_HEADER not in theirs["headers"]


@pytest.mark.parametrize(
    "key", ["", "a" * 129, "two words", "comma,joined", "ключ", "semi;colon", '"unclosed', "a\tb"]
)
async def test_a_malformed_key_is_400_naming_the_header(
    sim: Sim, linked: str, functions: LocalFunctions, key: str, snipes_repo: SnipesRepository
) -> None:
    auction = await sim.auction()
    answer = await _post(functions, linked, bid_body(auction["itemId"]), key=key)
    assert answer["statusCode"] == 400
    error = json.loads(answer["body"])["error"]
    assert (error["code"], error["field"]) == ("invalid_idempotency_key", "Idempotency-Key")
    assert await snipes_repo.all_for_user(linked) == []


async def test_a_refusal_by_the_rules_is_the_keys_answer(
    sim: Sim, linked: str, functions: LocalFunctions
) -> None:
    auction = await sim.auction(startPrice="50.00")
    low = bid_body(auction["itemId"], "20.00")
    first = await _post(functions, linked, low)
    assert first["statusCode"] == 422
    again = await _post(functions, linked, low)
    assert (again["statusCode"], again["body"]) == (422, first["body"])
    assert again["headers"][REPLAYED_HEADER] == "true"


async def test_a_failure_on_our_side_frees_the_key_for_a_retry(
    sim: Sim, linked: str, functions: LocalFunctions
) -> None:
    auction = await sim.auction()
    # Browse is retried once, so two refusals make the request fail.
    status, _ = await sim.admin(
        "POST", "/sim/faults", {"operation": "getItem", "status": 503, "count": 2}
    )
    assert status == 201
    failed = await _post(functions, linked, bid_body(auction["itemId"]))
    assert failed["statusCode"] == 503
    retried = await _post(functions, linked, bid_body(auction["itemId"]))
    assert retried["statusCode"] == 201
    assert REPLAYED_HEADER not in retried["headers"]


# ---------------------------------------------------------------- the protocol's timing cases


class Clock:
    """Wall time that moves only when the test moves it (`now`, epoch ms); waits are real."""

    def __init__(self) -> None:
        self.now = 1_800_000_000_000

    def now_ns(self) -> int:
        return self.now * 1_000_000

    async def sleep(self, seconds: float, /) -> None:
        await asyncio.sleep(seconds)


@pytest.fixture
def records(local_aws: LocalAws, snipes_repo: SnipesRepository) -> IdempotencyRecords:
    return IdempotencyRecords(DynamoTable(snipes_repo.table.client, local_aws.refs["BidsTable"]))


def _requests(records: IdempotencyRecords, clock: Clock, **options: Any) -> IdempotentRequests:
    return IdempotentRequests(records, correlation_id=lambda: "cid", clock=clock, **options)


def _answer(text: str, status: int = 201) -> Callable[[], Awaitable[Response[str]]]:
    async def run() -> Response[str]:
        return Response(status_code=status, content_type="application/json", body=text)

    return run


async def test_a_twin_in_flight_gets_the_first_answer_or_409_after_its_wait(
    records: IdempotencyRecords, user_id: str
) -> None:
    clock = Clock()
    started, release = asyncio.Event(), asyncio.Event()

    async def slow() -> Response[str]:
        started.set()
        await release.wait()
        return Response(status_code=201, content_type="application/json", body='{"n": 1}')

    first = asyncio.create_task(_requests(records, clock).answer(user_id, "k1", "fp", slow))
    await started.wait()

    impatient = _requests(records, clock, wait_ms=0)
    with pytest.raises(RequestInProgress) as caught:
        await impatient.answer(user_id, "k1", "fp", _answer("never"))
    assert caught.value.retry_after_seconds >= 1

    patient = asyncio.create_task(
        _requests(records, clock).answer(user_id, "k1", "fp", _answer("never"))
    )
    with pytest.raises(IdempotencyKeyReused):  # another body is refused even while in flight
        await _requests(records, clock).answer(user_id, "k1", "other", _answer("never"))
    release.set()
    original, twin = await first, await patient
    assert (
        (original.status_code, original.body) == (twin.status_code, twin.body) == (201, '{"n": 1}')
    )
    assert twin.headers[REPLAYED_HEADER] == "true"


async def test_a_dead_request_holds_its_key_until_the_lease_runs_out(
    records: IdempotencyRecords, user_id: str
) -> None:
    clock = Clock()
    started = asyncio.Event()

    async def dies() -> Response[str]:
        started.set()
        await asyncio.Event().wait()  # never answers: its container was killed
        raise AssertionError("unreachable")

    dead = asyncio.create_task(
        _requests(records, clock, lease_ms=30_000).answer(user_id, "k2", "fp", dies)
    )
    await started.wait()
    with pytest.raises(RequestInProgress):
        await _requests(records, clock, wait_ms=0).answer(user_id, "k2", "fp", _answer("early"))

    clock.now += 30_001
    taken = await _requests(records, clock).answer(user_id, "k2", "fp", _answer('{"n": 2}'))
    assert (taken.status_code, taken.body) == (201, '{"n": 2}')
    assert REPLAYED_HEADER not in taken.headers
    dead.cancel()
    replay = await _requests(records, clock).answer(user_id, "k2", "fp", _answer("again"))
    assert replay.body == '{"n": 2}'


async def test_failures_release_refusals_stay_and_keys_expire(
    records: IdempotencyRecords, user_id: str
) -> None:
    clock = Clock()
    requests = _requests(records, clock)

    async def unavailable() -> Response[str]:
        raise UpstreamUnavailable("eBay is down")

    with pytest.raises(UpstreamUnavailable):
        await requests.answer(user_id, "k3", "fp", unavailable)
    assert await records.get(user_id, "k3") is None  # released: a retry does the work

    async def refused() -> Response[str]:
        raise BusinessRuleViolation("no", field="maxBid")

    first = await requests.answer(user_id, "k3", "fp", refused)
    assert first.status_code == 422
    again = await requests.answer(user_id, "k3", "fp", _answer("not run"))
    assert (again.status_code, again.body) == (422, first.body)

    clock.now += (RETENTION_S + 1) * 1000
    fresh = await requests.answer(user_id, "k3", "another body", _answer('{"n": 3}'))
    assert (fresh.status_code, fresh.body) == (201, '{"n": 3}')
