"""Cancelling: a conditional write to CANCELLED, decided again on what is stored when the
executor moved the snipe meanwhile; unlinking cancels what can still be cancelled."""

from __future__ import annotations

from sniper.domain.snipe import SnipeStatus
from sniper.services.snipe_cancellation import cancel_pending, cancel_snipe
from tests.factories import make_snipe
from tests.fakes.clock import FakeClock
from tests.fakes.outside import FakeScheduler
from tests.fakes.stores import FakeStores


async def test_a_snipe_armed_meanwhile_is_cancelled_as_it_now_stands(
    stores: FakeStores, scheduler: FakeScheduler, clock: FakeClock
) -> None:
    snipe = await stores.snipes.create(make_snipe())

    async def executor_arms() -> None:
        armed = snipe.moved_to(SnipeStatus.ARMED, now_ms=clock.now_ms)
        await stores.snipes.save(armed, expected_version=snipe.version)

    stores.snipes.interleave(executor_arms)
    cancelled = await cancel_snipe(stores.snipes, scheduler, snipe, reason="r", clock=clock)
    assert (cancelled.status, cancelled.version) == (SnipeStatus.CANCELLED, snipe.version + 2)
    assert scheduler.removed == [snipe.bid_id]


async def test_pending_snipes_are_cancelled_the_rest_left_alone(
    stores: FakeStores, scheduler: FakeScheduler, clock: FakeClock
) -> None:
    # Read soonest close first: the scheduled one, then the armed one.
    closes = [clock.now_ms + hours * 3_600_000 for hours in (1, 2, 3, 4)]
    scheduled = await stores.snipes.create(make_snipe(auction_end_ms=closes[0]))
    armed = await stores.snipes.create(
        make_snipe(status=SnipeStatus.ARMED, auction_end_ms=closes[1])
    )
    bidding = await stores.snipes.create(
        make_snipe(status=SnipeStatus.BIDDING, auction_end_ms=closes[2])
    )
    won = await stores.snipes.create(make_snipe(status=SnipeStatus.WON, auction_end_ms=closes[3]))

    async def executor_bids() -> None:  # the executor takes the armed one over the line
        fresh = await stores.snipes.get(armed.user_id, armed.bid_id)
        moved = fresh.moved_to(SnipeStatus.BIDDING, now_ms=clock.now_ms)
        await stores.snipes.save(moved, expected_version=fresh.version)

    stores.snipes.interleave(_nobody)  # the scheduled one's write
    stores.snipes.interleave(executor_bids)  # just before the armed one's
    cancelled = await cancel_pending(
        stores.snipes, scheduler, "user-1", reason="unlinked", clock=clock
    )

    assert [s.bid_id for s in cancelled] == [scheduled.bid_id]
    statuses = {s.bid_id: s.status for s in await stores.snipes.all_for_user("user-1")}
    assert statuses == {
        scheduled.bid_id: SnipeStatus.CANCELLED,
        armed.bid_id: SnipeStatus.BIDDING,
        bidding.bid_id: SnipeStatus.BIDDING,
        won.bid_id: SnipeStatus.WON,
    }


async def _nobody() -> None:
    return None
