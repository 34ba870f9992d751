"""Exactly once across crashes: an executor killed after claiming, or after sending, is taken
over by another invocation (a standby) as soon as its lease lapses, which neither misses the
instant nor bids twice."""

from __future__ import annotations

import asyncio
from typing import Any

from sniper.domain.snipe import SnipeStatus
from sniper.events import SnipeDue
from sniper.executor.engine import Hooks, Result
from tests.integration.engine.conftest import World, context, gather

WINDOW_NS = 50_000_000


async def _kill_when(world: World, make_executor: Any, due: SnipeDue, point: str) -> None:
    """Run an executor and cancel it (a crash: no cleanup) at `point` ("claimed" or "sent")."""
    task: asyncio.Task[Any] | None = None

    def kill(*_: Any) -> None:
        assert task is not None
        task.cancel()

    hooks = Hooks(claimed=kill) if point == "claimed" else Hooks(sent=kill)
    executor = await make_executor(hooks)
    task = asyncio.create_task(executor.run(due, context(world.aws)))
    try:
        await task
    except asyncio.CancelledError:
        return
    raise AssertionError(f"the executor was not killed at {point}")


async def killed_after_claim_the_retry_takes_over_and_lands(
    world: World, make_executor: Any
) -> None:
    user = await world.linked_user("sniper_crash_claim")
    auction = await world.sim.auction(5.0)
    await world.sim.rival(auction["itemId"], "rival", "20.00")
    snipe = await world.snipe(user, auction, offset=1.5)
    due = SnipeDue(user_id=user, bid_id=snipe.bid_id)

    await _kill_when(world, make_executor, due, "claimed")
    held = await world.snipes.get(user, snipe.bid_id)
    assert held.status == SnipeStatus.ARMED and held.lease_owner is not None
    # A delivery while the dead lease is still live stands by, and takes over once it lapses.
    assert await (await make_executor()).run(due, context(world.aws)) == Result.DONE

    bids = await world.sim.bids(auction["itemId"], "sniper_crash_claim")
    assert len(bids) == 1
    target = auction["endNs"] // 1_000_000 * 1_000_000 - 1_500_000_000
    assert abs(bids[0]["arrivedNs"] - target) < WINDOW_NS
    final = await world.snipes.get(user, snipe.bid_id)
    assert final.status == SnipeStatus.WON
    assert final.lease_owner != held.lease_owner


async def killed_after_sending_the_retry_records_without_bidding_again(
    world: World, make_executor: Any
) -> None:
    user = await world.linked_user("sniper_crash_sent")
    auction = await world.sim.auction(3.5)
    await world.sim.rival(auction["itemId"], "rival", "20.00")
    snipe = await world.snipe(user, auction, offset=1.0)
    due = SnipeDue(user_id=user, bid_id=snipe.bid_id)

    await _kill_when(world, make_executor, due, "sent")
    assert (await world.snipes.get(user, snipe.bid_id)).status == SnipeStatus.BIDDING
    assert await (await make_executor()).run(due, context(world.aws)) == Result.DONE

    bids = await world.sim.bids(auction["itemId"], "sniper_crash_sent")
    assert len(bids) == 1  # no second bid
    assert (await world.snipes.get(user, snipe.bid_id)).status == SnipeStatus.WON
    entry = await world.history.get(user, snipe.bid_id)
    assert entry.outcome == SnipeStatus.WON
    assert entry.final_price is not None and entry.final_price.value == "20.50"
    assert world.functions.outcomes(snipe.bid_id) == ["PLACED", "WON"]


async def a_close_beyond_the_invocation_is_handed_to_a_fresh_one(
    world: World, make_executor: Any
) -> None:
    user = await world.linked_user("sniper_handoff")
    auction = await world.sim.auction(4.0)
    snipe = await world.snipe(user, auction, offset=1.5)
    executor = await make_executor()
    # 6 s left, less the executor's 5 s safety margin: the close does not fit.
    short = context(world.aws, timeout_seconds=6)
    due = SnipeDue(user_id=user, bid_id=snipe.bid_id)

    assert await executor.run(due, short) == Result.HANDED_OFF
    assert ("BidExecutorFunction", "Event") in world.functions.invocations
    # The fresh invocation runs in the local Lambda runtime; wait for the outcome it records.
    while "WON" not in world.functions.outcomes(snipe.bid_id):
        await world.functions.drain()

    assert len(await world.sim.bids(auction["itemId"], "sniper_handoff")) == 1
    assert (await world.snipes.get(user, snipe.bid_id)).status == SnipeStatus.WON


async def test_crashes_and_a_handoff_still_bid_exactly_once(
    world: World, make_executor: Any
) -> None:
    """Three independent scenarios, run side by side to keep real-time waiting short."""
    await gather(
        killed_after_claim_the_retry_takes_over_and_lands(world, make_executor),
        killed_after_sending_the_retry_records_without_bidding_again(world, make_executor),
        a_close_beyond_the_invocation_is_handed_to_a_fresh_one(world, make_executor),
    )
