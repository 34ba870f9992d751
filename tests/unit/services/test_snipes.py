"""The caller's snipes (POST/GET/PUT/DELETE /bids as use cases), on fakes and a fake clock."""

from __future__ import annotations

import msgspec
import pytest

from sniper.domain import instants
from sniper.domain.errors import (
    CurrencyMismatch,
    EbayLinkBroken,
    EbayLinkRequired,
    IllegalTransition,
    InvalidInput,
    NotFound,
    UpstreamUnavailable,
)
from sniper.domain.money import Money
from sniper.domain.snipe import FailureReason, Snipe, SnipeStatus
from sniper.ebay.browse import Item
from sniper.services.ports.stores import Guard, SnipeListing
from sniper.services.snipes import (
    ABANDONED_AFTER_MS,
    AlreadySniped,
    AuctionOver,
    MaxBidTooLow,
    NewSnipe,
    NotAnAuction,
    SnipeBusy,
    Snipes,
    TooLate,
)
from tests.fakes.ebay import make_item
from tests.fakes.world import World

USER = "user-1"


def usd(value: str) -> Money:
    return Money.parse(value, "USD")


@pytest.fixture
def snipes(world: World) -> Snipes:
    return Snipes(
        users=world.stores.users,
        store=world.stores.snipes,
        guards=world.stores.guards,
        browse=world.ebay.browse,
        scheduler=world.scheduler,
        clock=world.clock,
    )


@pytest.fixture
async def item(world: World) -> Item:
    await world.link_user(USER)
    return world.ebay.browse.put(make_item(world.clock))


def _new(item: Item, max_bid: str = "20.00", **fields: object) -> NewSnipe:
    return NewSnipe(item_id=item.legacy_item_id, max_bid=usd(max_bid), **fields)  # type: ignore[arg-type]


async def test_a_new_snipe_is_stored_scheduled_and_holds_its_item(
    snipes: Snipes, item: Item, world: World
) -> None:
    snipe = await snipes.create(USER, _new(item))

    assert snipe.status == SnipeStatus.SCHEDULED
    assert (snipe.item_id, snipe.title, snipe.auction_end_ms) == (
        item.item_id,
        item.title,
        item.item_end_ms,
    )
    assert snipe.offset_seconds == 3.0  # the user's default
    assert snipe.schedule_name == f"snipe-{snipe.bid_id}"
    assert await world.stores.snipes.get(USER, snipe.bid_id) == snipe
    assert world.scheduler.schedules[snipe.bid_id].bid_id == snipe.bid_id
    guard = await world.stores.guards.get(USER, item.item_id)
    assert guard is not None and guard.holder_bid_id == snipe.bid_id
    assert snipe.created_ms == world.clock.now_ms


async def test_no_snipe_without_a_working_ebay_link(
    snipes: Snipes, item: Item, world: World
) -> None:
    with pytest.raises(EbayLinkRequired):
        await snipes.create("someone-else", _new(item))
    await world.tokens.mark_broken(USER, "revoked")
    with pytest.raises(EbayLinkBroken):
        await snipes.create(USER, _new(item))
    assert await world.stores.snipes.all_for_user(USER) == []


@pytest.mark.parametrize(
    ("changes", "max_bid", "refused", "field"),
    [
        ({"buying_options": ("FIXED_PRICE",)}, "20.00", NotAnAuction, "itemId"),
        ({"item_end_ms": 0}, "20.00", AuctionOver, "itemId"),
        ({"currency": "GBP"}, "20.00", CurrencyMismatch, "maxBid.currency"),
        # US increments: 10.00 with a bid asks at least 10.50.
        ({}, "10.49", MaxBidTooLow, "maxBid.value"),
    ],
)
async def test_the_auction_is_checked_with_ebay_first(
    snipes: Snipes,
    item: Item,
    changes: dict[str, object],
    max_bid: str,
    refused: type[Exception],
    field: str,
    world: World,
) -> None:
    world.ebay.browse.put(msgspec.structs.replace(item, **changes))
    with pytest.raises(refused) as caught:
        await snipes.create(USER, _new(item, max_bid))
    assert getattr(caught.value, "field", None) == field
    assert await world.stores.snipes.all_for_user(USER) == [] and world.scheduler.schedules == {}
    assert await world.stores.guards.get(USER, item.item_id) is None


async def test_the_minimum_is_met_exactly(snipes: Snipes, item: Item) -> None:
    assert (await snipes.create(USER, _new(item, "10.50"))).max_bid == usd("10.50")


async def test_too_close_to_the_close_is_too_late(snipes: Snipes, item: Item, world: World) -> None:
    # The bid must be aimed at least min_lead_ms ahead: close - offset - now.
    lead = instants.DEFAULT.min_lead_ms
    world.ebay.browse.put(
        msgspec.structs.replace(item, item_end_ms=world.clock.now_ms + 3_000 + lead - 1)
    )
    with pytest.raises(TooLate):
        await snipes.create(USER, _new(item))
    world.ebay.browse.put(
        msgspec.structs.replace(item, item_end_ms=world.clock.now_ms + 3_000 + lead)
    )
    await snipes.create(USER, _new(item))


async def test_one_live_snipe_per_item_until_it_ends(
    snipes: Snipes, item: Item, world: World
) -> None:
    first = await snipes.create(USER, _new(item))
    with pytest.raises(AlreadySniped) as caught:
        await snipes.create(USER, _new(item, "25.00"))
    assert caught.value.bid_id == first.bid_id

    await snipes.cancel(USER, first.bid_id)
    second = await snipes.create(USER, _new(item, "25.00"))
    guard = await world.stores.guards.get(USER, item.item_id)
    assert guard is not None and guard.holder_bid_id == second.bid_id


async def test_of_two_racing_creates_one_wins(snipes: Snipes, item: Item, world: World) -> None:
    rival: list[Snipe] = []

    async def create_first() -> None:
        rival.append(await snipes.create(USER, _new(item, "30.00")))

    # The other request claims the item between this one's checks and its claim.
    world.stores.guards.interleave(create_first)
    with pytest.raises(AlreadySniped) as caught:
        await snipes.create(USER, _new(item))
    assert caught.value.bid_id == rival[0].bid_id
    assert [s.bid_id for s in await world.stores.snipes.all_for_user(USER)] == [rival[0].bid_id]


async def test_a_create_that_died_holds_the_item_until_it_can_no_longer_write(
    snipes: Snipes, item: Item, world: World
) -> None:
    # A guard naming a snipe that was never written: its create died between the two writes.
    dead = Guard(holder_bid_id="01DEADCREATE0000000000000A", claimed_ms=world.clock.now_ms)
    await world.stores.guards.claim(USER, item.item_id, dead, expires_s=10**10, replacing=None)
    with pytest.raises(AlreadySniped):
        await snipes.create(USER, _new(item))
    world.clock.advance(ms=ABANDONED_AFTER_MS + 1)
    snipe = await snipes.create(USER, _new(item))
    guard = await world.stores.guards.get(USER, item.item_id)
    assert guard is not None and guard.holder_bid_id == snipe.bid_id


async def test_a_failed_write_hands_the_item_back_at_once(
    snipes: Snipes, item: Item, world: World
) -> None:
    async def fails() -> None:
        raise UpstreamUnavailable("DynamoDB is unreachable")

    world.stores.snipes.interleave(fails)
    with pytest.raises(UpstreamUnavailable):
        await snipes.create(USER, _new(item))
    assert await world.stores.guards.get(USER, item.item_id) is None
    await snipes.create(USER, _new(item))


async def test_a_snipe_the_scheduler_refused_is_failed_not_left_scheduled(
    snipes: Snipes, item: Item, world: World
) -> None:
    world.scheduler.fail_next()
    with pytest.raises(UpstreamUnavailable):
        await snipes.create(USER, _new(item))
    (stored,) = await world.stores.snipes.all_for_user(USER)
    assert stored.status == SnipeStatus.FAILED and stored.reason == FailureReason.INTERNAL
    # It ended, so the item is free again.
    await snipes.create(USER, _new(item))


async def test_an_executor_that_took_the_snipe_at_once_is_not_overwritten(
    snipes: Snipes, item: Item, world: World
) -> None:
    async def executor_claims() -> None:
        (fresh,) = await world.stores.snipes.all_for_user(USER)
        armed = fresh.moved_to(SnipeStatus.ARMED, now_ms=world.clock.now_ms)
        await world.stores.snipes.save(armed, expected_version=fresh.version)

    world.stores.snipes.interleave(_nobody)  # before the create itself
    world.stores.snipes.interleave(executor_claims)  # before the schedule's name is noted
    snipe = await snipes.create(USER, _new(item))
    assert snipe.status == SnipeStatus.ARMED and snipe.schedule_name is None


async def _nobody() -> None:
    return None


async def test_a_listing_fills_its_pages_past_filtered_out_snipes(
    snipes: Snipes, world: World
) -> None:
    await world.link_user(USER)
    created = []
    for index in range(6):
        item = world.ebay.browse.put(
            make_item(
                world.clock,
                f"11000000001{index}",
                item_end_ms=world.clock.now_ms + (index + 1) * 3_600_000,
            )
        )
        created.append(await snipes.create(USER, _new(item)))
    for snipe in created[:4]:
        await snipes.cancel(USER, snipe.bid_id)

    page = await snipes.list(
        USER, SnipeListing(statuses=frozenset({SnipeStatus.SCHEDULED}), limit=2)
    )
    assert [s.bid_id for s in page.items] == [s.bid_id for s in created[4:]]
    everything = await snipes.list(USER, SnipeListing(limit=4))
    rest = await snipes.list(USER, SnipeListing(cursor=everything.next_cursor, limit=4))
    assert [s.bid_id for s in everything.items + rest.items] == [s.bid_id for s in created]
    assert rest.next_cursor is None
    with pytest.raises(NotFound):
        await snipes.list("user-2", SnipeListing(cursor=everything.next_cursor, limit=4))


async def test_another_users_snipe_is_not_found(snipes: Snipes, item: Item) -> None:
    snipe = await snipes.create(USER, _new(item))
    with pytest.raises(NotFound):
        await snipes.get("user-2", snipe.bid_id)
    with pytest.raises(NotFound):
        await snipes.cancel("user-2", snipe.bid_id)


async def test_a_change_rechecks_the_maximum_and_reschedules(
    snipes: Snipes, item: Item, world: World
) -> None:
    snipe = await snipes.create(USER, _new(item))
    world.ebay.browse.put(msgspec.structs.replace(item, current_bid_price=usd("30.00")))
    with pytest.raises(MaxBidTooLow):
        await snipes.change(USER, snipe.bid_id, max_bid=usd("25.00"))
    with pytest.raises(CurrencyMismatch):
        await snipes.change(USER, snipe.bid_id, max_bid=Money.parse("40.00", "EUR"))
    with pytest.raises(InvalidInput):
        await snipes.change(USER, snipe.bid_id)

    changed = await snipes.change(USER, snipe.bid_id, max_bid=usd("40.00"), offset_seconds=5)
    assert (changed.max_bid, changed.offset_seconds, changed.version) == (
        usd("40.00"),
        5,
        snipe.version + 1,
    )
    assert world.scheduler.schedules[snipe.bid_id] == changed


async def test_changes_close_when_the_executor_may_take_the_snipe(
    snipes: Snipes, item: Item, world: World
) -> None:
    snipe = await snipes.create(USER, _new(item))
    closes = instants.changes_close_ms(snipe.auction_end_ms)
    world.clock.advance(ms=closes - world.clock.now_ms - 1)
    leased = msgspec.structs.replace(
        snipe,
        lease_owner="executor-1",
        lease_expires_ms=world.clock.now_ms + 10_000,
        version=snipe.version + 1,
    )
    await world.stores.snipes.save(leased, expected_version=snipe.version)
    with pytest.raises(SnipeBusy):
        await snipes.change(USER, snipe.bid_id, offset_seconds=4)

    world.clock.advance(ms=1)
    with pytest.raises(SnipeBusy) as caught:
        await snipes.change(USER, snipe.bid_id, offset_seconds=4)
    assert "changes closed" in caught.value.message


async def test_a_change_that_loses_a_race_with_the_executor_is_refused(
    snipes: Snipes, item: Item, world: World
) -> None:
    snipe = await snipes.create(USER, _new(item))

    async def executor_arms() -> None:
        fresh = await world.stores.snipes.get(USER, snipe.bid_id)
        await world.stores.snipes.save(
            fresh.moved_to(SnipeStatus.ARMED, now_ms=world.clock.now_ms),
            expected_version=fresh.version,
        )

    world.stores.snipes.interleave(executor_arms)
    with pytest.raises(SnipeBusy):
        await snipes.change(USER, snipe.bid_id, offset_seconds=4)
    assert (
        await world.stores.snipes.get(USER, snipe.bid_id)
    ).offset_seconds == snipe.offset_seconds


async def test_cancelling_is_final_and_idempotent(snipes: Snipes, item: Item, world: World) -> None:
    snipe = await snipes.create(USER, _new(item))
    cancelled = await snipes.cancel(USER, snipe.bid_id)
    assert (
        cancelled.status == SnipeStatus.CANCELLED and snipe.bid_id not in world.scheduler.schedules
    )
    assert (await snipes.cancel(USER, snipe.bid_id)).version == cancelled.version
    with pytest.raises(IllegalTransition):
        await snipes.change(USER, snipe.bid_id, offset_seconds=4)


async def test_a_snipe_already_bidding_cannot_be_cancelled(
    snipes: Snipes, item: Item, world: World
) -> None:
    snipe = await snipes.create(USER, _new(item))
    armed = snipe.moved_to(SnipeStatus.ARMED, now_ms=world.clock.now_ms)
    bidding = armed.moved_to(SnipeStatus.BIDDING, now_ms=world.clock.now_ms)
    await world.stores.snipes.save(armed, expected_version=snipe.version)
    await world.stores.snipes.save(bidding, expected_version=armed.version)
    with pytest.raises(IllegalTransition):
        await snipes.cancel(USER, snipe.bid_id)
