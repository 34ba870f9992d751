"""The same checks on the DynamoDB repositories (moto) and on the in-memory fakes the unit
suite runs the services on (tests/fakes/stores.py): what one enforces, the other does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest

from sniper.aws_clients import AwsClients
from sniper.devstack.local.aws import LocalAws
from sniper.domain.errors import Conflict, NotFound
from sniper.domain.history import HistoryEntry
from sniper.domain.snipe import BidGroup, Snipe, SnipeStatus
from sniper.services.ports import stores as port
from sniper.storage.history import HistoryRepository
from sniper.storage.idempotency import IdempotencyRecords
from sniper.storage.live_guards import LiveGuards
from sniper.storage.notices import NoticesRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.spent_states import SpentStates
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository
from tests.factories import make_history, make_snipe, make_user, now_ms
from tests.fakes.stores import FakeStores

HOUR_MS = 3_600_000


@dataclass
class Stores:
    users: port.UserStore
    snipes: port.SnipeStore
    guards: port.LiveGuardStore
    idempotency: port.IdempotencyStore
    spent_states: port.SpentStateStore
    notices: port.NoticeStore
    history: port.HistoryStore


@pytest.fixture(params=["memory", "dynamodb"])
async def stores(
    request: pytest.FixtureRequest, local_aws: LocalAws, aws_clients: AwsClients
) -> AsyncIterator[Stores]:
    if request.param == "memory":
        fake = FakeStores()
        yield Stores(
            fake.users,
            fake.snipes,
            fake.guards,
            fake.idempotency,
            fake.spent_states,
            fake.notices,
            fake.history,
        )
        return
    dynamodb = await aws_clients.get("dynamodb")
    bids = DynamoTable(dynamodb, local_aws.refs["BidsTable"])
    yield Stores(
        UsersRepository(DynamoTable(dynamodb, local_aws.refs["UsersTable"])),
        SnipesRepository(bids),
        LiveGuards(bids),
        IdempotencyRecords(bids),
        SpentStates(bids),
        NoticesRepository(bids),
        HistoryRepository(DynamoTable(dynamodb, local_aws.refs["BidHistoryTable"])),
    )


async def _all(list_page: Any, listing: Any) -> tuple[list[Any], int]:
    """Every item of a listing, page after page; and how many pages it took."""
    items: list[Any] = []
    pages = 0
    while True:
        page: port.Page[Any] = await list_page(listing)
        items += page.items
        pages += 1
        if page.next_cursor is None:
            return items, pages
        listing = msgspec.structs.replace(listing, cursor=page.next_cursor)


async def test_a_user_is_written_only_over_the_version_read(stores: Stores) -> None:
    user = await stores.users.create(make_user(user_id="u-1"))
    with pytest.raises(Conflict):
        await stores.users.create(make_user(user_id="u-1"))
    renamed = msgspec.structs.replace(user, name="Ada", version=1)
    await stores.users.save(renamed, expected_version=0)
    stale = msgspec.structs.replace(user, email="x@example.com", version=1)
    with pytest.raises(port.StaleWrite):
        await stores.users.save(stale, expected_version=0)
    with pytest.raises(port.StaleWrite):
        await stores.users.save(make_user(user_id="nobody", version=1), expected_version=0)
    assert await stores.users.require("u-1") == renamed
    assert await stores.users.delete("u-1") and not await stores.users.delete("u-1")
    with pytest.raises(NotFound):
        await stores.users.require("u-1")


async def test_a_snipe_moves_only_from_the_version_read(stores: Stores) -> None:
    snipe = await stores.snipes.create(make_snipe(user_id="u-1"))
    with pytest.raises(Conflict):
        await stores.snipes.create(snipe)
    armed = snipe.moved_to(SnipeStatus.ARMED, now_ms=now_ms())
    await stores.snipes.save(armed, expected_version=snipe.version)
    with pytest.raises(port.StaleWrite):
        await stores.snipes.save(
            snipe.moved_to(SnipeStatus.CANCELLED, now_ms=now_ms()), expected_version=snipe.version
        )
    never_created = make_snipe(user_id="u-1", version=1)
    with pytest.raises(port.StaleWrite):
        await stores.snipes.save(never_created, expected_version=0)
    assert await stores.snipes.get("u-1", snipe.bid_id) == armed
    assert await stores.snipes.find("u-2", snipe.bid_id) is None


async def test_a_filtered_listing_pages_before_it_filters(stores: Stores) -> None:
    base = now_ms() + HOUR_MS
    created: list[Snipe] = []
    for index in range(5):
        status = SnipeStatus.SCHEDULED if index in (1, 4) else SnipeStatus.CANCELLED
        created.append(
            await stores.snipes.create(
                make_snipe(user_id="u-1", auction_end_ms=base + index * 7_000, status=status)
            )
        )
    await stores.snipes.create(make_snipe(user_id="u-2", auction_end_ms=base))

    def of_u1(listing: port.SnipeListing) -> Any:
        return stores.snipes.list_for_user("u-1", listing)

    everything, _ = await _all(of_u1, port.SnipeListing(limit=2))
    assert [s.bid_id for s in everything] == [s.bid_id for s in created]
    live, pages = await _all(
        of_u1, port.SnipeListing(statuses=frozenset({SnipeStatus.SCHEDULED}), limit=1)
    )
    assert [s.bid_id for s in live] == [created[1].bid_id, created[4].bid_id]
    assert pages >= 5  # one item read per query: pages were empty before the filter's matches

    first = await of_u1(port.SnipeListing(limit=2))
    with pytest.raises(NotFound):  # another user's, or another listing's, cursor
        await stores.snipes.list_for_user("u-2", port.SnipeListing(cursor=first.next_cursor))
    won = frozenset({SnipeStatus.WON})
    with pytest.raises(NotFound):
        await of_u1(port.SnipeListing(statuses=won, cursor=first.next_cursor))
    with pytest.raises(NotFound):
        await of_u1(port.SnipeListing(cursor="not-a-cursor"))


async def test_reads_of_a_users_snipes_by_close_and_by_group(stores: Stores) -> None:
    base = (now_ms() // 1000 + 3600) * 1000
    early = await stores.snipes.create(make_snipe(user_id="u-1", auction_end_ms=base))
    late = await stores.snipes.create(
        make_snipe(user_id="u-1", auction_end_ms=base + 60_000, group=BidGroup(group_id="g"))
    )
    after = await stores.snipes.ending_after("u-1", base + 999)  # to the second
    assert [s.bid_id for s in after] == [early.bid_id, late.bid_id]
    assert [s.bid_id for s in await stores.snipes.ending_after("u-1", base + 1000)] == [late.bid_id]
    assert [s.bid_id for s in await stores.snipes.in_group("u-1", "g")] == [late.bid_id]


async def test_deleting_a_users_snipes_deletes_what_is_kept_beside_them(stores: Stores) -> None:
    snipe = await stores.snipes.create(make_snipe(user_id="u-1"))
    now = now_ms()
    await stores.guards.claim(
        "u-1", snipe.item_id, _guard(snipe.bid_id, now), expires_s=now, replacing=None
    )
    await stores.spent_states.spend("u-1", "nonce", now + 60_000)
    await stores.notices.claim(_notice("u-1", snipe.bid_id))
    await stores.snipes.create(make_snipe(user_id="u-2"))

    assert await stores.snipes.delete_all_for_user("u-1") == 1

    assert await stores.guards.get("u-1", snipe.item_id) is None
    assert await stores.notices.get("u-1", snipe.bid_id, "WON") is None
    assert await stores.spent_states.spend("u-1", "nonce", now + 60_000)
    assert len(await stores.snipes.all_for_user("u-2")) == 1


def _guard(bid_id: str, now: int) -> port.Guard:
    return port.Guard(holder_bid_id=bid_id, claimed_ms=now)


async def test_a_guard_names_one_holder_until_it_expires_or_is_replaced(stores: Stores) -> None:
    now = now_ms()
    later_s = now // 1000 + 3600

    async def claim(user: str, bid: str, at: int = now, replacing: port.Guard | None = None) -> Any:
        return await stores.guards.claim(
            user, "item", _guard(bid, at), expires_s=later_s, replacing=replacing
        )

    assert await claim("u-1", "b1") is None
    held = await claim("u-1", "b2")
    assert held == _guard("b1", now)
    assert await claim("u-2", "b9") is None
    # Replacing the holder seen: once, by whoever claims first.
    assert await claim("u-1", "b2", replacing=held) is None
    late = await claim("u-1", "b3", replacing=held)
    assert late is not None and late.holder_bid_id == "b2"
    # Expired (DynamoDB's TTL may not have removed it yet): free for anyone.
    assert await claim("u-1", "b4", at=(later_s + 1) * 1000) is None
    with pytest.raises(Conflict):
        await stores.guards.release("u-1", "item", "b3")
    await stores.guards.release("u-1", "item", "b4")
    assert await stores.guards.get("u-1", "item") is None


async def test_an_idempotency_key_is_held_by_its_claimer(stores: Stores) -> None:
    now = now_ms()
    record = port.IdempotencyRecord(
        fingerprint="fp", lease_until_ms=now + 1000, expires_s=now // 1000 + 60
    )

    async def claim(key: str, token: str, at: int = now) -> port.IdempotencyRecord | None:
        return await stores.idempotency.claim("u-1", key, record, token=token, now_ms=at)

    assert await claim("k", "t1") is None
    held = await claim("k", "t2")
    assert held == record
    answer = port.StoredAnswer(status=201, body='{"n": 1}', headers={"Location": "/bids/x"})
    assert not await stores.idempotency.finish("u-1", "k", "t2", answer)
    assert await stores.idempotency.finish("u-1", "k", "t1", answer)
    stored = await stores.idempotency.get("u-1", "k")
    assert stored is not None and stored.answer == answer
    # An unanswered claim whose lease ran out goes to the same request; an answered one never.
    await claim("k2", "t1")
    assert await claim("k2", "t3", at=now + 1001) is None
    assert await claim("k", "t3", at=now + 1001) is not None
    await stores.idempotency.release("u-1", "k2", "t1")  # not the holder: nothing happens
    assert await stores.idempotency.get("u-1", "k2") is not None
    await stores.idempotency.release("u-1", "k2", "t3")
    assert await stores.idempotency.get("u-1", "k2") is None


async def test_an_oauth_state_is_spent_once(stores: Stores) -> None:
    assert await stores.spent_states.spend("u-1", "n", now_ms() + 60_000)
    assert not await stores.spent_states.spend("u-1", "n", now_ms() + 60_000)
    assert await stores.spent_states.spend("u-2", "n", now_ms() + 60_000)


def _notice(user_id: str, bid_id: str, outcome: str = "WON") -> port.Notice:
    return port.Notice(
        user_id=user_id,
        bid_id=bid_id,
        outcome=outcome,
        state=port.NoticeState.SENDING,
        claimant="c1",
        claimed_ms=now_ms(),
    )


async def test_a_notice_is_claimed_once_and_changed_only_by_its_claimant(stores: Stores) -> None:
    claim = _notice("u-1", "b1")
    assert await stores.notices.claim(claim) == claim
    assert await stores.notices.claim(msgspec.structs.replace(claim, claimant="c2")) is None
    sent = msgspec.structs.replace(claim, state=port.NoticeState.SENT, message_id="m1")
    await stores.notices.replace(claim, sent)
    with pytest.raises(port.StaleWrite):
        await stores.notices.replace(claim, msgspec.structs.replace(claim, claimant="c3"))
    await stores.notices.claim(_notice("u-1", "b1", "PLACED"))
    assert await stores.notices.get("u-1", "b1", "WON") == sent
    assert await stores.notices.done_outcomes("u-1", "b1") == {"WON"}


async def test_history_is_written_once_and_listed_newest_first(stores: Stores) -> None:
    snipes = [make_snipe(user_id="u-1") for _ in range(4)]
    entries: list[HistoryEntry] = []
    for index, snipe in enumerate(snipes):
        outcome = SnipeStatus.WON if index % 2 else SnipeStatus.LOST
        entries.append(await stores.history.record(make_history(snipe, outcome=outcome)))
    again = msgspec.structs.replace(entries[0], outcome=SnipeStatus.WON)
    assert await stores.history.record(again) == entries[0]
    await stores.history.mark_emailed("u-1", entries[0].bid_id, 111)
    await stores.history.mark_emailed("u-1", entries[0].bid_id, 222)
    await stores.history.mark_emailed("u-1", "never-settled", 333)
    assert (await stores.history.get("u-1", entries[0].bid_id)).emailed_ms == 111

    def of_u1(listing: port.HistoryListing) -> Any:
        return stores.history.list_for_user("u-1", listing)

    newest, _ = await _all(of_u1, port.HistoryListing(limit=3))
    assert [e.bid_id for e in newest] == sorted((e.bid_id for e in entries), reverse=True)
    won, _ = await _all(of_u1, port.HistoryListing(outcomes=frozenset({SnipeStatus.WON}), limit=1))
    assert {e.bid_id for e in won} == {entries[1].bid_id, entries[3].bid_id}
    first = entries[0].settled_ms
    early, _ = await _all(of_u1, port.HistoryListing(settled_from_ms=first, settled_to_ms=first))
    assert {e.settled_ms for e in early} == {first}
    page = await of_u1(port.HistoryListing(limit=1))
    with pytest.raises(NotFound):
        await stores.history.list_for_user("u-2", port.HistoryListing(cursor=page.next_cursor))
    with pytest.raises(NotFound):
        await stores.history.get("u-2", entries[0].bid_id)
    assert await stores.history.delete_all_for_user("u-1") == 4
    with pytest.raises(NotFound):
        await stores.history.get("u-1", entries[0].bid_id)
