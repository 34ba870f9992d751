"""The executor against the simulator in real time: the bid lands at its instant, exactly once,
and the outcome is recorded and handed to the notifier."""

from __future__ import annotations

from typing import Any

from sniper.devstack.ebaysim.clock import ebay_date
from sniper.domain.snipe import FailureReason, SnipeStatus
from sniper.events import SnipeDue
from sniper.executor.engine import Result
from tests.integration.engine.conftest import World, context, gather

# Loopback: a bid should reach the simulator within this of its target instant.
WINDOW_NS = 50_000_000


def target_ns(auction: dict[str, Any], offset: float) -> int:
    """Where the bid should arrive: the close (as the snipe knows it, in ms) minus the offset."""
    return int(auction["endNs"]) // 1_000_000 * 1_000_000 - int(offset * 1e9)


async def test_snipes_land_in_the_last_seconds_exactly_once(
    world: World, make_executor: Any
) -> None:
    """Win, lose, refresh; then five deliveries of one. One after the other: eight executors
    side by side in this one process (with moto and the simulator) measured their contention,
    which Lambda's containers do not share, more than their aim."""
    await lands_in_the_last_seconds_and_wins_or_loses(world, make_executor)
    await a_schedule_delivered_five_times_bids_once(world, make_executor)


async def lands_in_the_last_seconds_and_wins_or_loses(world: World, make_executor: Any) -> None:
    winner, loser, refreshed = await gather(
        world.linked_user("sniper_win"),
        world.linked_user("sniper_lose"),
        world.linked_user("sniper_stale"),
    )
    a_win, a_lose, a_stale = await gather(
        world.sim.auction(4.5), world.sim.auction(4.5), world.sim.auction(4.5)
    )
    await world.sim.rival(a_win["itemId"], "rival_low", "20.00")
    await world.sim.rival(a_lose["itemId"], "rival_high", "30.00")
    await world.sim.rival(a_stale["itemId"], "rival_low2", "20.00")
    # The stale user's access token dies at eBay; the executor must refresh it and still bid.
    await world.sim.call("POST", "/sim/users/sniper_stale/expire-tokens")
    s_win = await world.snipe(winner, a_win, offset=2.0)
    s_lose = await world.snipe(loser, a_lose, offset=2.0)
    s_stale = await world.snipe(refreshed, a_stale, offset=1.5)

    executor = await make_executor()
    results = await gather(
        *(
            executor.run(SnipeDue(user_id=s.user_id, bid_id=s.bid_id), context(world.aws))
            for s in (s_win, s_lose, s_stale)
        )
    )
    assert results == [Result.DONE] * 3

    for auction, offset, username in (
        (a_win, 2.0, "sniper_win"),
        (a_lose, 2.0, "sniper_lose"),
        (a_stale, 1.5, "sniper_stale"),
    ):
        bids = await world.sim.bids(auction["itemId"], username)
        assert len(bids) == 1, bids
        arrived = bids[0]["arrivedNs"]
        error_ms = (arrived - target_ns(auction, offset)) / 1e6
        if username == "sniper_stale":
            # Its token is refreshed (eBay OAuth, KMS, DynamoDB, all local) and the connection
            # warmed twice inside this test's 2.5 s prepare lead (8 s deployed): on a loaded
            # machine that can run past the instant. It must still bid, never early, and before
            # the close; the precision of an unhindered shot is the other two's to show.
            assert -WINDOW_NS / 1e6 < error_ms < offset * 1000, error_ms
        else:
            assert abs(error_ms) < WINDOW_NS / 1e6, error_ms
        assert arrived < auction["endNs"]
        assert bids[0]["status"] == 200

    won = await world.settled(s_win)
    assert won.status == SnipeStatus.WON
    entry = await world.history.get(s_win.user_id, s_win.bid_id)
    assert entry.outcome == SnipeStatus.WON
    assert entry.final_price is not None and entry.final_price.value == "20.50"
    assert entry.timing is not None and entry.timing.sent_ns is not None
    assert entry.timing.target_ns == target_ns(a_win, 2.0)
    assert entry.timing.attempts == 1 and entry.timing.estimated_latency_ns is not None
    assert world.functions.outcomes(s_win.bid_id) == ["PLACED", "WON"]

    lost = await world.settled(s_lose)
    assert lost.status == SnipeStatus.LOST
    lost_entry = await world.history.get(s_lose.user_id, s_lose.bid_id)
    assert lost_entry.final_price is not None and lost_entry.final_price.value == "26.00"
    assert world.functions.outcomes(s_lose.bid_id) == ["PLACED", "LOST"]

    assert (await world.settled(s_stale)).status == SnipeStatus.WON


async def a_schedule_delivered_five_times_bids_once(world: World, make_executor: Any) -> None:
    user = await world.linked_user("sniper_dup")
    auction = await world.sim.auction(4.0)
    await world.sim.rival(auction["itemId"], "rival", "15.00")
    snipe = await world.snipe(user, auction, offset=1.5)
    executor = await make_executor()
    due = SnipeDue(user_id=snipe.user_id, bid_id=snipe.bid_id, execution_id="exec-1")

    results = await gather(*(executor.run(due, context(world.aws)) for _ in range(5)))

    # One claims and fires; the other four stand by until it has settled, then stop.
    assert sorted(results) == sorted([Result.DONE] + [Result.SETTLED] * 4)
    assert len(await world.sim.bids(auction["itemId"], "sniper_dup")) == 1
    assert (await world.settled(snipe)).status == SnipeStatus.WON
    assert world.functions.outcomes(snipe.bid_id) == ["PLACED", "WON"]
    # A late duplicate, after the outcome, does nothing either.
    assert await executor.run(due, context(world.aws)) == Result.SETTLED


async def test_a_first_500_is_retried_and_lands_before_the_close(
    world: World, make_executor: Any
) -> None:
    user = await world.linked_user("sniper_retry")
    auction = await world.sim.auction(4.0)
    snipe = await world.snipe(user, auction, offset=1.5)
    await world.sim.call(
        "POST", "/sim/faults", {"operation": "placeProxyBid", "status": 500, "count": 1}
    )
    executor = await make_executor()
    await executor.run(SnipeDue(user_id=snipe.user_id, bid_id=snipe.bid_id), context(world.aws))

    bids = await world.sim.bids(auction["itemId"], "sniper_retry")
    assert [b["status"] for b in bids] == [500, 200]
    assert all(b["arrivedNs"] < auction["endNs"] for b in bids)
    assert abs(bids[0]["arrivedNs"] - target_ns(auction, 1.5)) < WINDOW_NS
    assert (await world.settled(snipe)).status == SnipeStatus.WON
    entry = await world.history.get(snipe.user_id, snipe.bid_id)
    assert entry.timing is not None and entry.timing.attempts == 2


async def test_errors_past_the_close_fail_the_snipe_and_nothing_is_sent_late(
    world: World, make_executor: Any
) -> None:
    user = await world.linked_user("sniper_outage")
    auction = await world.sim.auction(3.5)
    snipe = await world.snipe(user, auction, offset=1.0)
    until_ns = auction["endNs"] + 2_000_000_000
    await world.sim.call(
        "POST",
        "/sim/faults",
        {"operation": "placeProxyBid", "status": 503, "until": ebay_date(until_ns)},
    )
    executor = await make_executor()
    await executor.run(SnipeDue(user_id=snipe.user_id, bid_id=snipe.bid_id), context(world.aws))

    bids = await world.sim.bids(auction["itemId"], "sniper_outage")
    assert len(bids) > 1  # it kept trying while there was time
    assert all(b["arrivedNs"] < auction["endNs"] for b in bids)
    failed = await world.settled(snipe)
    assert failed.status == SnipeStatus.FAILED
    assert failed.reason == FailureReason.EBAY_UNAVAILABLE
    assert world.functions.outcomes(snipe.bid_id) == ["FAILED"]
    entry = await world.history.get(snipe.user_id, snipe.bid_id)
    assert entry.outcome == SnipeStatus.FAILED and entry.timing is not None
    assert entry.timing.attempts == len(bids)
