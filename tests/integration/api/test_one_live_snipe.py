"""One live snipe per user and item: held by the guard's conditional write, freed by the snipe
ending, and invisible to everything that lists, counts or deletes a user's snipes.

The parallel case runs through the local Lambda runtime: concurrent invocations each get a
container of their own, as API Gateway's concurrent requests do.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import pytest

from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.ids import new_id
from sniper.domain.money import Money
from sniper.domain.snipe import Snipe, SnipeStatus
from sniper.ebay.client import EbayClient
from sniper.handlers import bid_management
from sniper.runtime import App
from sniper.services.ports.stores import Guard, SnipeListing
from sniper.services.snipes import ABANDONED_AFTER_MS, NewSnipe, Snipes
from sniper.storage.live_guards import GUARD_KIND, LiveGuards
from sniper.storage.side_records import side_key
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository
from tests.factories import now_ms
from tests.integration.api.conftest import (
    BIDS,
    USER_MANAGEMENT,
    ApiApps,
    Sim,
    bid_body,
    link_ebay,
    on_bid,
)
from tests.support.http_events import claims_for, http_event

PARALLEL = 20


@pytest.fixture
async def guards(local_aws: LocalAws, snipes_repo: SnipesRepository) -> LiveGuards:
    return LiveGuards(DynamoTable(snipes_repo.table.client, local_aws.refs["BidsTable"]))


@pytest.fixture
def container_builds(monkeypatch: pytest.MonkeyPatch) -> list[App]:
    """Every BidManagementFunction container the runtime builds (one per concurrent call)."""
    built: list[App] = []
    build = bid_management.handler.build

    async def counting(environ: Mapping[str, str]) -> App:
        app = await build(environ)
        built.append(app)
        return app

    monkeypatch.setattr(bid_management.handler, "build", counting)
    return built


async def _post_all(
    functions: LocalFunctions, user_id: str, body: dict[str, Any], times: int
) -> list[tuple[int, dict[str, Any]]]:
    events = [http_event("POST", "/bids", claims=claims_for(user_id), body=body)] * times
    results = await asyncio.gather(*(functions.invoke(BIDS, event) for event in events))
    return [(r["statusCode"], json.loads(r["body"])) for r in results]


async def test_parallel_creates_in_separate_containers_leave_one_snipe(
    api: ApiApps,
    sim: Sim,
    linked: str,
    functions: LocalFunctions,
    container_builds: list[App],
    snipes_repo: SnipesRepository,
    local_aws: LocalAws,
) -> None:
    auction = await sim.auction()
    answers = await _post_all(functions, linked, bid_body(auction["itemId"]), PARALLEL)

    assert len(container_builds) == PARALLEL  # each call ran in a container of its own
    assert len({id(app) for app in container_builds}) == PARALLEL
    created = [body for status, body in answers if status == 201]
    assert len(created) == 1, answers
    winner = created[0]["bidId"]
    refused = [body["error"] for status, body in answers if status != 201]
    assert len(refused) == PARALLEL - 1
    for error in refused:
        assert (error["code"], error["field"], error["bidId"]) == (
            "already_sniped",
            "itemId",
            winner,
        ), error
    assert [s.bid_id for s in await snipes_repo.all_for_user(linked)] == [winner]
    schedules = local_aws.client("scheduler").list_schedules(
        GroupName=local_aws.refs["ScheduleGroup"]
    )["Schedules"]
    assert schedules and all(winner in schedule["Name"] for schedule in schedules)
    listed = await api.request(BIDS, "GET", "/bids", user=linked)
    assert [b["bidId"] for b in listed.body["items"]] == [winner]


async def test_another_user_may_snipe_the_same_item(
    api: ApiApps, sim: Sim, linked: str, other_user_id: str
) -> None:
    await link_ebay(api, sim, other_user_id, "other_buyer")
    auction = await sim.auction()
    for user in (linked, other_user_id):
        answer = await api.request(
            BIDS, "POST", "/bids", user=user, body=bid_body(auction["itemId"])
        )
        assert answer.status == 201, answer.body


async def _ended_by(
    how: str, api: ApiApps, user: str, bid_id: str, snipes_repo: SnipesRepository
) -> None:
    if how == "cancelled":
        cancelled = await on_bid(api, "DELETE", user, bid_id)
        assert cancelled.status == 200 and cancelled.body["status"] == "CANCELLED"
        return
    # Settled by the executor, as it writes it (a conditional write on the version).
    snipe = await snipes_repo.get(user, bid_id)
    ended = snipe.moved_to(SnipeStatus(how), now_ms=snipe.updated_ms + 1, reason="by the test")
    await snipes_repo.save(ended, expected_version=snipe.version)


@pytest.mark.parametrize("how", ["cancelled", "SKIPPED", "FAILED"])
async def test_a_snipe_that_ended_frees_its_item(
    how: str, api: ApiApps, sim: Sim, linked: str, snipes_repo: SnipesRepository
) -> None:
    auction = await sim.auction()
    first = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"]))
    assert first.status == 201
    held = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"]))
    assert held.status == 409 and held.error()["bidId"] == first.body["bidId"]

    await _ended_by(how, api, linked, first.body["bidId"], snipes_repo)
    again = await api.request(
        BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"], "35.00")
    )
    assert again.status == 201, again.body
    assert again.body["bidId"] != first.body["bidId"]
    third = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"]))
    assert third.status == 409 and third.error()["bidId"] == again.body["bidId"]


async def test_parallel_creates_after_a_cancel_still_leave_one(
    api: ApiApps, sim: Sim, linked: str, functions: LocalFunctions, snipes_repo: SnipesRepository
) -> None:
    auction = await sim.auction()
    first = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"]))
    await _ended_by("cancelled", api, linked, first.body["bidId"], snipes_repo)

    answers = await _post_all(functions, linked, bid_body(auction["itemId"]), 10)
    created = [body["bidId"] for status, body in answers if status == 201]
    assert len(created) == 1, answers
    assert {body["error"]["bidId"] for status, body in answers if status != 201} == set(created)
    live = [s for s in await snipes_repo.all_for_user(linked) if s.status == SnipeStatus.SCHEDULED]
    assert [s.bid_id for s in live] == created


async def test_a_guard_whose_snipe_never_came_is_held_then_freed(
    api: ApiApps, sim: Sim, linked: str, guards: LiveGuards
) -> None:
    """A create that died between its guard and its snipe: the item stays held while that create
    could still write (its answer names the pending snipe), and is free after ABANDONED_AFTER_MS."""
    auction = await sim.auction()
    now = now_ms()
    for claimed_at, free in ((now - 1_000, False), (now - ABANDONED_AFTER_MS - 1_000, True)):
        await guards.table.client.delete_item(
            TableName=guards.table.name,
            Key={"userId": {"S": linked}, "bidId": {"S": side_key(GUARD_KIND, auction["itemId"])}},
        )
        ghost = new_id(claimed_at)  # a snipe id never written
        assert (
            await guards.claim(
                linked,
                auction["itemId"],
                Guard(holder_bid_id=ghost, claimed_ms=claimed_at),
                expires_s=now // 1000 + 3600,
                replacing=None,
            )
            is None
        )
        answer = await api.request(
            BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"])
        )
        if free:
            assert answer.status == 201, answer.body
            guard = await guards.get(linked, auction["itemId"])
            assert guard is not None and guard.holder_bid_id == answer.body["bidId"]
        else:
            assert answer.status == 409 and answer.error()["bidId"] == ghost


async def test_guards_are_not_snipes_to_any_reader(
    api: ApiApps,
    sim: Sim,
    linked: str,
    snipes_repo: SnipesRepository,
    guards: LiveGuards,
) -> None:
    auction = await sim.auction()
    created = await api.request(
        BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"])
    )
    assert created.status == 201
    guard_key = side_key(GUARD_KIND, auction["itemId"])
    assert await guards.get(linked, auction["itemId"]) is not None

    by_key = await on_bid(api, "GET", linked, guard_key)
    assert by_key.status == 404
    for method, body in (("PUT", {"offsetSeconds": 5}), ("DELETE", None)):
        answer = await on_bid(api, method, linked, guard_key, body)
        assert answer.status == 404, (method, answer.body)
    assert [s.bid_id for s in await snipes_repo.all_for_user(linked)] == [created.body["bidId"]]
    assert [s.bid_id for s in await snipes_repo.ending_after(linked, 0)] == [created.body["bidId"]]
    listed = await snipes_repo.list_for_user(linked, SnipeListing())
    assert listed.items[0].bid_id == created.body["bidId"]

    removed = await api.request(USER_MANAGEMENT, "DELETE", "/users/account", user=linked)
    assert removed.status == 200 and removed.body["bidsRemoved"] == 1  # the guard is not counted
    assert await guards.get(linked, auction["itemId"]) is None  # but it is gone with the account


async def test_the_abandon_span_outlasts_the_function(local_aws: LocalAws) -> None:
    timeout_s = local_aws.template.function("BidManagementFunction").timeout
    assert 2 * timeout_s * 1000 < ABANDONED_AFTER_MS


class FailingWrites(SnipesRepository):
    """The Bids table failing at the snipe's write: before it lands, or after (answer lost)."""

    def __init__(self, table: DynamoTable, *, lands: bool) -> None:
        super().__init__(table)
        self.lands = lands

    async def create(self, snipe: Snipe) -> Snipe:
        if self.lands:
            await super().create(snipe)
        raise UpstreamUnavailable("DynamoDB is unreachable")


@pytest.mark.parametrize("lands", [False, True])
async def test_a_failed_write_frees_the_item_only_if_the_snipe_is_not_there(
    api: ApiApps,
    sim: Sim,
    linked: str,
    ebay_client: EbayClient,
    users_repo: UsersRepository,
    snipes_repo: SnipesRepository,
    guards: LiveGuards,
    lands: bool,
) -> None:
    auction = await sim.auction()
    snipes = Snipes(
        users=users_repo,
        store=FailingWrites(snipes_repo.table, lands=lands),
        guards=guards,
        browse=ebay_client.browse,
        scheduler=None,  # type: ignore[arg-type]  # never reached: the write fails first
    )
    request = NewSnipe(item_id=auction["itemId"], max_bid=Money.parse("30.00", "USD"))
    with pytest.raises(UpstreamUnavailable):
        await snipes.create(linked, request)

    guard = await guards.get(linked, auction["itemId"])
    after = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"]))
    if lands:  # the snipe exists and is live: the guard stayed, and it names it
        assert guard is not None
        assert after.status == 409 and after.error()["bidId"] == guard.holder_bid_id
        assert (await snipes_repo.get(linked, guard.holder_bid_id)).status == SnipeStatus.SCHEDULED
    else:  # nothing was written: the item is free at once, not after ABANDONED_AFTER_MS
        assert guard is None
        assert after.status == 201, after.body
