"""The executor's flow when nothing goes wrong, on virtual time: a bid that reaches eBay at its
target, eBay's outcome recorded once and told once; the wake relay and the hand-off of a snipe
this invocation cannot see through."""

from __future__ import annotations

import asyncio

from sniper.clock import NS_PER_MS, NS_PER_S
from sniper.domain.money import Money
from sniper.domain.snipe import SnipeStatus as S
from sniper.executor.engine import Result
from sniper.services.ports.stores import NoticeState
from tests.fakes.virtual_time import run_virtual
from tests.unit.executor.stage import FUNCTION, Stage

# The aim is half the median probe round trip: on a steady link the bid lands within a few
# clock readings (a microsecond each) of its target.
AIM_TOLERANCE_NS = NS_PER_MS


def usd(value: str) -> Money:
    return Money.parse(value, "USD")


def test_a_lone_bid_lands_at_its_target_and_wins_at_the_start_price() -> None:
    async def main() -> None:
        stage = await Stage.build(closes_in_s=60, offset_s=3, max_bid="25.00")
        result = await stage.run()

        assert result is Result.DONE
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.WON, None)
        assert stored.notices_owed == ("PLACED", "WON")
        [bid] = stage.bids()
        assert bid.applied and bid.arrived_ns is not None
        assert abs(bid.arrived_ns - stage.target_ns) < AIM_TOLERANCE_NS
        entry = await stage.entry()
        assert (entry.outcome, entry.final_price) == (S.WON, usd("10.00"))
        timing = entry.timing
        assert timing is not None
        assert (timing.attempts, timing.landed_attempt, timing.fired_by) == (1, 1, "primary")
        assert timing.sent_ns == bid.sent_ns and timing.sent_ns < stage.close_ns
        assert timing.target_ns == stage.target_ns
        assert stage.outcomes() == ["PLACED", "WON"]
        assert stage.emails() == ["won"]  # "placed" is off by default
        assert (await stage.notices())["WON"] == NoticeState.SENT
        assert entry.emailed_ms is not None and entry.emailed_ms >= stage.close_ns // NS_PER_MS

    run_virtual(main())


def test_the_bid_is_aimed_by_the_measured_latency() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=1.5, latency_ms=120)
        await stage.run()

        [bid] = stage.bids()
        assert bid.arrived_ns is not None
        assert abs(bid.arrived_ns - stage.target_ns) < AIM_TOLERANCE_NS
        # It left one leg (120 ms) ahead of its target.
        assert abs(stage.target_ns - bid.sent_ns - 120 * NS_PER_MS) < AIM_TOLERANCE_NS
        assert (await stage.stored()).status == S.WON

    run_virtual(main())


def test_outbid_after_the_snipe_is_lost_at_the_rivals_price() -> None:
    async def main() -> None:
        stage = await Stage.build(max_bid="25.00")
        # A rival's higher maximum arrives after ours (between the target and the close).
        stage.after(stage.close_ns - NS_PER_S, lambda: stage.market.rival_bid(stage.item_id, "40"))
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.LOST, None)
        entry = await stage.entry()
        assert entry.outcome == S.LOST
        assert entry.final_price == stage.price() == usd("26.00")  # ours + the 1.00 increment
        assert len(stage.applied()) == 1
        assert stage.outcomes() == ["PLACED", "LOST"]
        assert stage.emails() == ["lost"]

    run_virtual(main())


def test_a_rival_below_our_maximum_sets_the_price_we_win_at() -> None:
    async def main() -> None:
        stage = await Stage.build(max_bid="25.00")
        stage.after(stage.close_ns - NS_PER_S, lambda: stage.market.rival_bid(stage.item_id, "18"))
        await stage.run()

        entry = await stage.entry()
        assert (entry.outcome, entry.final_price) == (S.WON, usd("18.50"))
        assert stage.emails() == ["won"]

    run_virtual(main())


def test_with_its_standby_the_snipe_still_bids_once_and_tells_once() -> None:
    async def main() -> None:
        stage = await Stage.build()
        primary, standby = await stage.both()

        # The standby found the lease live, watched, and saw the snipe settled and told.
        assert (primary, standby) == (Result.DONE, Result.SETTLED)
        assert len(stage.bids()) == 1
        assert (await stage.stored()).status == S.WON
        assert stage.outcomes() == ["PLACED", "WON"]
        assert stage.emails() == ["won"]

    run_virtual(main())


def test_a_duplicate_delivery_of_the_same_trigger_stands_by_and_sends_nothing() -> None:
    async def main() -> None:
        stage = await Stage.build()
        first, second = await asyncio.gather(stage.run(), stage.run())

        assert sorted([first, second]) == sorted([Result.DONE, Result.SETTLED])
        assert len(stage.bids()) == 1
        assert stage.emails() == ["won"]

    run_virtual(main())


def test_woken_early_it_relays_itself_to_its_wake_and_then_runs() -> None:
    async def main() -> None:
        stage = await Stage.build(closes_in_s=60, offset_s=3)
        started = stage.clock.now_ns()
        early = await stage.run(at_ns=started)

        assert early is Result.RELAYED
        [(due, delay_s)] = stage.wake.calls
        assert due == stage.due()
        # Rounded down: the relayed run starts up to a second early, never late.
        wait_ns = stage.wake_ns() - started
        assert delay_s == wait_ns // NS_PER_S
        assert (await stage.stored()).status == S.SCHEDULED
        assert stage.market.log == []

        relayed = await stage.run(at_ns=started + delay_s * NS_PER_S, due=due)
        assert relayed is Result.DONE
        assert (await stage.stored()).status == S.WON
        assert len(stage.wake.calls) == 1  # close enough to its wake: it ran

    run_virtual(main())


def test_a_wake_beyond_the_queues_largest_delay_is_relayed_in_steps() -> None:
    async def main() -> None:
        stage = await Stage.build(closes_in_s=2_000)
        assert await stage.run(at_ns=stage.clock.now_ns()) is Result.RELAYED
        assert [delay for _, delay in stage.wake.calls] == [900]

    run_virtual(main())


def test_the_standby_relays_to_at_least_a_second_after_the_primary() -> None:
    async def main() -> None:
        stage = await Stage.build(closes_in_s=60)
        now = stage.clock.now_ns()
        await stage.run("primary", at_ns=now)
        await stage.run("standby", at_ns=now)

        [(first, primary_s), (second, standby_s)] = stage.wake.calls
        assert (first.role, second.role) == ("primary", "standby")
        # Whole seconds: the primary's rounded down, the standby's up (a second after it).
        assert now + primary_s * NS_PER_S <= stage.wake_ns("primary")
        assert now + standby_s * NS_PER_S >= stage.wake_ns("standby")
        assert standby_s - primary_s in (1, 2)

    run_virtual(main())


def test_an_invocation_too_short_for_the_close_hands_the_snipe_on() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # From its wake (target - 15 s), 20 s of Lambda minus the 5 s margin end before the close.
        result = await stage.run(budget_s=20)

        assert result is Result.HANDED_OFF
        assert stage.redispatch.calls == [(FUNCTION, stage.due())]
        assert (await stage.stored()).status == S.SCHEDULED
        assert stage.market.log == []

        # The fresh invocation has its full 300 s: it sees the snipe through.
        assert await stage.run(at_ns=stage.clock.now_ns()) is Result.DONE
        assert (await stage.stored()).status == S.WON
        assert len(stage.applied()) == 1

    run_virtual(main())


def test_a_placed_email_the_notifier_refused_is_handed_over_after_the_outcome() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await stage.choose_emails(placed=True)
        stage.notify.refuse_next("PLACED")
        await stage.run()

        stored = await stage.stored()
        assert stored.status == S.WON
        # The settle went on without it; the owed PLACED email was handed over at the end.
        assert stage.outcomes() == ["WON", "PLACED"]
        assert sorted(stage.emails()) == ["placed", "won"]
        assert set((await stage.notices()).values()) == {NoticeState.SENT}

    run_virtual(main())
