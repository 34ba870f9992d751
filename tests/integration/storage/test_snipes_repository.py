"""The Bids table through SnipesRepository, against moto server built from template.yaml."""

from __future__ import annotations

import asyncio

import pytest

from sniper.domain.errors import Conflict, NotFound
from sniper.domain.money import Money
from sniper.domain.snipe import BidGroup, SnipeStatus
from sniper.storage.snipes import SnipesRepository
from tests.factories import make_snipe, now_ms


async def test_create_then_get_round_trips_every_field(snipes_repo: SnipesRepository) -> None:
    snipe = make_snipe(group=BidGroup(group_id="cameras", max_wins=1), adult_only=True,
                       image_url="https://i.example/x.jpg", offset_seconds=2.5)  # fmt: skip
    await snipes_repo.create(snipe)
    assert await snipes_repo.get(snipe.user_id, snipe.bid_id) == snipe


async def test_create_twice_is_a_conflict(snipes_repo: SnipesRepository) -> None:
    snipe = make_snipe()
    await snipes_repo.create(snipe)
    with pytest.raises(Conflict):
        await snipes_repo.create(snipe)


async def test_another_users_snipe_is_not_found(snipes_repo: SnipesRepository) -> None:
    snipe = make_snipe(user_id="alice")
    await snipes_repo.create(snipe)
    with pytest.raises(NotFound):
        await snipes_repo.get("mallory", snipe.bid_id)


async def test_transition_is_a_conditional_write(snipes_repo: SnipesRepository) -> None:
    snipe = await snipes_repo.create(make_snipe())
    armed = snipe.moved_to(SnipeStatus.ARMED, now_ms=now_ms())
    await snipes_repo.save(armed, expected_version=snipe.version)
    stale = snipe.moved_to(SnipeStatus.CANCELLED, now_ms=now_ms())
    with pytest.raises(Conflict):
        await snipes_repo.save(stale, expected_version=snipe.version)
    assert (await snipes_repo.get(snipe.user_id, snipe.bid_id)).status is SnipeStatus.ARMED


async def test_concurrent_transitions_from_one_state_exactly_one_wins(
    snipes_repo: SnipesRepository,
) -> None:
    snipe = await snipes_repo.create(make_snipe())
    contenders = [
        snipe.moved_to(SnipeStatus.ARMED, now_ms=now_ms()),
        snipe.moved_to(SnipeStatus.CANCELLED, now_ms=now_ms()),
        snipe.moved_to(SnipeStatus.ARMED, now_ms=now_ms()),
        snipe.moved_to(SnipeStatus.SKIPPED, now_ms=now_ms(), reason="PRICE_ABOVE_MAX"),
    ]
    results = await asyncio.gather(
        *(snipes_repo.save(c, expected_version=snipe.version) for c in contenders),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    stored = await snipes_repo.get(snipe.user_id, snipe.bid_id)
    assert stored == winners[0]


async def test_listing_is_ordered_by_auction_end_and_paginates(
    snipes_repo: SnipesRepository,
) -> None:
    base = now_ms() + 60_000
    created = [await snipes_repo.create(make_snipe(auction_end_ms=base + i * 7_000))
               for i in (3, 0, 4, 1, 2)]  # fmt: skip
    seen = []
    cursor = None
    pages = 0
    while True:
        page = await snipes_repo.list_for_user("user-1", cursor=cursor, limit=2)
        seen.extend(page.items)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages >= 3
    assert [s.bid_id for s in seen] == [
        s.bid_id for s in sorted(created, key=lambda s: s.auction_end_ms)
    ]


async def test_listing_filters_by_status(snipes_repo: SnipesRepository) -> None:
    keep = await snipes_repo.create(make_snipe())
    other = await snipes_repo.create(make_snipe())
    await snipes_repo.save(other.moved_to(SnipeStatus.CANCELLED, now_ms=now_ms()),
                           expected_version=other.version)  # fmt: skip
    page = await snipes_repo.list_for_user("user-1", statuses=frozenset({SnipeStatus.SCHEDULED}))
    assert [s.bid_id for s in page.items] == [keep.bid_id]


async def test_a_cursor_cannot_list_another_users_items(snipes_repo: SnipesRepository) -> None:
    for _ in range(3):
        await snipes_repo.create(make_snipe(user_id="alice"))
    await snipes_repo.create(make_snipe(user_id="mallory"))
    page = await snipes_repo.list_for_user("alice", limit=1)
    assert page.next_cursor is not None
    with pytest.raises(NotFound):
        await snipes_repo.list_for_user("mallory", cursor=page.next_cursor)
    with pytest.raises(NotFound):
        await snipes_repo.list_for_user("alice", cursor="not-a-cursor")


async def test_ttl_and_index_attributes_are_written(snipes_repo: SnipesRepository) -> None:
    snipe = await snipes_repo.create(make_snipe())
    raw = await snipes_repo.table.client.get_item(
        TableName=snipes_repo.table.name,
        Key={"userId": {"S": snipe.user_id}, "bidId": {"S": snipe.bid_id}},
    )
    item = raw["Item"]
    assert int(item["auctionEndTime"]["N"]) == snipe.auction_end_ms // 1000
    assert int(item["ttl"]["N"]) > snipe.auction_end_ms // 1000
    assert item["maxBid"]["M"] == {"value": {"S": "25.00"}, "currency": {"S": "USD"}}


async def test_delete_all_for_user_leaves_others(snipes_repo: SnipesRepository) -> None:
    for _ in range(30):  # more than one batch of 25
        await snipes_repo.create(make_snipe(user_id="alice"))
    bob = await snipes_repo.create(make_snipe(user_id="bob", max_bid=Money.parse("9.99", "USD")))
    assert await snipes_repo.delete_all_for_user("alice") == 30
    assert (await snipes_repo.list_for_user("alice")).items == []
    assert await snipes_repo.get("bob", bob.bid_id) == bob


async def test_group_members_are_found(snipes_repo: SnipesRepository) -> None:
    a = await snipes_repo.create(make_snipe(group=BidGroup(group_id="g", max_wins=1)))
    b = await snipes_repo.create(make_snipe(group=BidGroup(group_id="g", max_wins=1)))
    await snipes_repo.create(make_snipe())
    assert {s.bid_id for s in await snipes_repo.in_group("user-1", "g")} == {a.bid_id, b.bid_id}


async def test_ending_after_reads_only_upcoming_auctions(snipes_repo: SnipesRepository) -> None:
    now = now_ms()
    past = [
        await snipes_repo.create(make_snipe(auction_end_ms=now - i * 60_000)) for i in (1, 2, 3)
    ]
    upcoming = await snipes_repo.create(make_snipe(auction_end_ms=now + 60_000))
    await snipes_repo.create(make_snipe(user_id="someone-else", auction_end_ms=now + 60_000))
    found = await snipes_repo.ending_after("user-1", now)
    assert [s.bid_id for s in found] == [upcoming.bid_id]
    assert {s.bid_id for s in await snipes_repo.all_for_user("user-1")} == {
        upcoming.bid_id,
        *(s.bid_id for s in past),
    }
