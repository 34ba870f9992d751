"""Cancelling: a conditional write to CANCELLED, decided again on what is stored when the
executor moved the snipe meanwhile; unlinking cancels what can still be cancelled."""

from __future__ import annotations

from sniper.domain.snipe import SnipeStatus
from sniper.services.snipe_cancellation import cancel_pending, cancel_snipe
from tests.factories import make_snipe
from tests.fakes.world import World


async def test_a_snipe_armed_meanwhile_is_cancelled_as_it_now_stands(world: World) -> None:
    snipe = await world.stores.snipes.create(make_snipe())

    async def executor_arms() -> None:
        armed = snipe.moved_to(SnipeStatus.ARMED, now_ms=world.clock.now_ms)
        await world.stores.snipes.save(armed, expected_version=snipe.version)

    world.stores.snipes.interleave(executor_arms)
    cancelled = await cancel_snipe(
        world.stores.snipes, world.scheduler, snipe, reason="r", clock=world.clock
    )
    assert (cancelled.status, cancelled.version) == (SnipeStatus.CANCELLED, snipe.version + 2)
    assert world.scheduler.removed == [snipe.bid_id]


async def test_pending_snipes_are_cancelled_the_rest_left_alone(world: World) -> None:
    # Read soonest close first: the scheduled one, then the armed one.
    closes = [world.clock.now_ms + hours * 3_600_000 for hours in (1, 2, 3, 4)]
    scheduled = await world.stores.snipes.create(make_snipe(auction_end_ms=closes[0]))
    armed = await world.stores.snipes.create(
        make_snipe(status=SnipeStatus.ARMED, auction_end_ms=closes[1])
    )
    bidding = await world.stores.snipes.create(
        make_snipe(status=SnipeStatus.BIDDING, auction_end_ms=closes[2])
    )
    won = await world.stores.snipes.create(
        make_snipe(status=SnipeStatus.WON, auction_end_ms=closes[3])
    )

    async def executor_bids() -> None:  # the executor takes the armed one over the line
        fresh = await world.stores.snipes.get(armed.user_id, armed.bid_id)
        moved = fresh.moved_to(SnipeStatus.BIDDING, now_ms=world.clock.now_ms)
        await world.stores.snipes.save(moved, expected_version=fresh.version)

    world.stores.snipes.interleave(_nobody)  # the scheduled one's write
    world.stores.snipes.interleave(executor_bids)  # just before the armed one's
    cancelled = await cancel_pending(
        world.stores.snipes, world.scheduler, "user-1", reason="unlinked", clock=world.clock
    )

    assert [s.bid_id for s in cancelled] == [scheduled.bid_id]
    statuses = {s.bid_id: s.status for s in await world.stores.snipes.all_for_user("user-1")}
    assert statuses == {
        scheduled.bid_id: SnipeStatus.CANCELLED,
        armed.bid_id: SnipeStatus.BIDDING,
        bidding.bid_id: SnipeStatus.BIDDING,
        won.bid_id: SnipeStatus.WON,
    }


async def _nobody() -> None:
    return None
