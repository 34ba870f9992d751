"""The executor's flow when an invocation dies, on virtual time: killed hard at each step (no
cleanup, no release, no hand-off) with its standby watching, a predecessor found dead in
BIDDING or PLACED, an invocation that fails and lets go, a lease taken away. Whatever dies,
eBay holds exactly one bid of ours, landed before the close, and the user gets exactly one
email."""

from __future__ import annotations

import asyncio

import pytest

from sniper.clock import NS_PER_MS, NS_PER_S
from sniper.domain.snipe import FailureReason, Snipe
from sniper.domain.snipe import SnipeStatus as S
from sniper.executor.engine import Hooks, Result
from sniper.executor.steps import Step
from tests.fakes.offer_wire import answer
from tests.fakes.virtual_time import run_virtual
from tests.unit.executor.stage import KILLED, USER_ID, Stage, ThrottledSnipes

# Who the history says fired, for a primary killed at each step: the standby took the ARMED
# snipe over and fired; found it BIDDING and eBay holding our bid ("predecessor"); took the
# PLACED snipe over only to settle it, reporting the primary's shot as recorded with PLACED; or
# found it settled.
FIRED_BY = {
    Step.CLAIMED: "takeover",
    Step.WAITING: "takeover",
    Step.BEFORE_FIRE: "takeover",
    Step.SENT: "predecessor",
    Step.BEFORE_SETTLE_WRITE: "primary",
    Step.SETTLED: "primary",
}


def _ago(stage: Stage, ms: int) -> int:
    return stage.clock.now_ms - ms


@pytest.mark.parametrize("step", list(Step))
def test_a_primary_killed_at_any_step_still_bids_once_and_tells_once(step: Step) -> None:
    async def main() -> None:
        stage = await Stage.build()
        primary, standby = await stage.both(kill_at=step)

        assert primary == KILLED
        assert standby == (Result.SETTLED if step is Step.SETTLED else Result.DONE)
        [bid] = stage.applied()
        assert bid.arrived_ns is not None and bid.arrived_ns < stage.close_ns
        # The bid's single request: nobody sent a second one (a standby that found our bid
        # standing, or the snipe PLACED, sent nothing).
        assert len(stage.bids()) == 1
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.WON, None)
        entry = await stage.entry()
        assert entry.final_price is not None and entry.final_price.value == "10.00"
        assert entry.timing is not None and entry.timing.fired_by == FIRED_BY[step]
        if FIRED_BY[step] == "primary":  # the primary's own shot, whoever settled it
            assert (entry.timing.attempts, entry.timing.landed_attempt) == (1, 1)
            assert entry.timing.sent_ns == bid.sent_ns
        assert len(stage.handed("WON")) == 1
        assert stage.emails() == ["won"]

    run_virtual(main())


@pytest.mark.parametrize("step", [Step.CLAIMED, Step.WAITING])
def test_a_standby_taking_over_well_before_the_instant_fires_at_the_target(step: Step) -> None:
    async def main() -> None:
        stage = await Stage.build()
        await stage.both(kill_at=step)

        [bid] = stage.bids()
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - stage.target_ns) < NS_PER_MS

    run_virtual(main())


def test_a_holder_dying_3_s_before_its_instant_is_replaced_in_time_to_fire_at_it() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        primary, standby = await stage.both(kill_at=stage.target_ns - 3 * NS_PER_S)

        assert (primary, standby) == (KILLED, Result.DONE)
        [bid] = stage.bids()
        # docs/timing.md: noticed within 1.5 s + 100 ms + 250 ms, already prepared.
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - stage.target_ns) < NS_PER_MS
        timing = (await stage.entry()).timing
        assert timing is not None and timing.fired_by == "takeover"
        assert stage.emails() == ["won"]

    run_virtual(main())


def test_a_holder_dying_a_second_before_the_send_is_replaced_before_the_close() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        await stage.both(kill_at=Step.BEFORE_FIRE)

        [bid] = stage.bids()
        # Later than the target (the dead lease had to run out), still before the close.
        assert bid.arrived_ns is not None
        assert stage.target_ns < bid.arrived_ns < stage.close_ns

    run_virtual(main())


# ---------------------------------------------------------------------- found dead in flight
async def _dead_predecessor(stage: Stage, status: S) -> Snipe:
    """The snipe as an invocation that died in `status` left it: its lease long expired."""
    return await stage.put(
        status=status, lease_owner="req-dead/0000", lease_expires_ms=_ago(stage, 60_000)
    )


def test_bidding_taken_over_with_our_bid_on_ebay_records_it_and_sends_nothing() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.our_bid()
        await _dead_predecessor(stage, S.BIDDING)
        await stage.run()

        assert stage.market.requests("place") == []  # the rival-free market got no second bid
        stored = await stage.stored()
        assert stored.status == S.WON
        entry = await stage.entry()
        assert entry.timing is not None
        assert (entry.timing.fired_by, entry.timing.attempts) == ("predecessor", 0)
        assert stage.outcomes() == ["PLACED", "WON"]
        assert stage.emails() == ["won"]

    run_virtual(main())


def test_bidding_taken_over_without_a_bid_on_ebay_sends_once_at_the_target() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await _dead_predecessor(stage, S.BIDDING)
        await stage.run()

        [bid] = stage.bids()
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - stage.target_ns) < NS_PER_MS
        entry = await stage.entry()
        assert entry.outcome == S.WON and entry.timing is not None
        assert (entry.timing.fired_by, entry.timing.attempts) == ("takeover", 1)

    run_virtual(main())


def test_bidding_taken_over_sends_at_most_once_more_even_when_it_fails() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await _dead_predecessor(stage, S.BIDDING)
        stage.market.fail_always("place", answer(503))
        await stage.run()

        assert len(stage.bids()) == 1  # one try keeps the total polite
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.EBAY_UNAVAILABLE)

    run_virtual(main())


def test_bidding_taken_over_too_late_to_ask_or_send_settles_from_ebays_record() -> None:
    async def main() -> None:
        stage = await Stage.build(latency_ms=40)
        stage.our_bid()  # the predecessor's bid landed; its answer died with it
        await _dead_predecessor(stage, S.BIDDING)
        # Taken over half a second before the close; eBay fails the getBidding asked after the
        # warm-up, and by then a bid could no longer arrive in time.
        close = stage.close_ns
        stage.after(close - 150 * NS_PER_MS, lambda: stage.market.fail_always("probe", answer(503)))
        stage.after(close + NS_PER_S, lambda: stage.market.fail_always("probe", None))
        await stage.run(at_ns=close - 500 * NS_PER_MS)

        assert stage.market.requests("place") == []
        assert [p.status for p in stage.market.requests("probe") if p.sent_ns < close][-1] == 503
        entry = await stage.entry()
        assert (entry.outcome, entry.reason) == (S.WON, None)
        assert stage.outcomes() == ["WON"]

    run_virtual(main())


def test_bidding_taken_over_too_late_with_no_bid_on_ebay_fails_too_late() -> None:
    async def main() -> None:
        stage = await Stage.build(latency_ms=40)
        await _dead_predecessor(stage, S.BIDDING)
        # So late that warming the connection passes the close: no bid may be sent.
        await stage.run(at_ns=stage.close_ns - 100 * NS_PER_MS)

        assert stage.market.requests("place") == []
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.TOO_LATE)
        assert stage.emails() == ["failed"]

    run_virtual(main())


def test_placed_taken_over_is_settled_from_ebays_record() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.our_bid()
        await _dead_predecessor(stage, S.PLACED)
        await stage.run()

        assert stage.market.requests("place") == []
        entry = await stage.entry()
        assert (entry.outcome, entry.final_price) == (S.WON, stage.price())
        assert stage.outcomes() == ["WON"]

    run_virtual(main())


def test_bidding_taken_over_with_a_broken_link_fails_token_revoked_without_sending() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await _dead_predecessor(stage, S.BIDDING)
        await stage.world.tokens.mark_broken(USER_ID, "invalid_grant")
        await stage.run()

        assert stage.market.log == []
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.TOKEN_REVOKED)
        assert len(stage.renewals()) == 1

    run_virtual(main())


def test_bidding_taken_over_whose_token_ebay_revoked_fails_token_revoked() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await _dead_predecessor(stage, S.BIDDING)
        stage.revoke_link()
        await stage.run()

        assert stage.market.requests("place") == []
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.TOKEN_REVOKED)

    run_virtual(main())


def test_placed_taken_over_with_a_broken_link_ends_outcome_unknown() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.our_bid()
        await _dead_predecessor(stage, S.PLACED)
        await stage.world.tokens.mark_broken(USER_ID, "invalid_grant")
        await stage.run()

        # eBay cannot be asked without a token; the bid stands, but nobody can say the outcome.
        assert {p.status for p in stage.market.requests("probe")} == {401}
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.OUTCOME_UNKNOWN)
        assert stage.emails() == ["failed"]

    run_virtual(main())


def test_an_invocation_too_short_for_the_settle_hands_it_on_and_the_next_settles() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # eBay will not say ENDED until 10 s after the close; this invocation ends before.
        stage.after(stage.close_ns, lambda: stage.market.fail_always("probe", answer(500)))
        stage.after(stage.close_ns + 10 * NS_PER_S, lambda: stage.market.fail_always("probe", None))
        first = await stage.run(budget_s=26)

        assert first is Result.HANDED_OFF
        [(_, due)] = stage.redispatch.calls
        held = await stage.stored()
        assert held.status == S.PLACED
        assert held.lease_expires_ms is not None and held.lease_expires_ms < stage.clock.now_ms

        assert await stage.run(due=due, at_ns=stage.clock.now_ns()) is Result.DONE
        assert (await stage.stored()).status == S.WON
        assert len(stage.bids()) == 1
        assert stage.emails() == ["won"]

    run_virtual(main())


# ---------------------------------------------------------------------- failing, stopping
def test_an_invocation_that_fails_lets_go_so_its_standby_takes_over_at_once() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # The primary's re-read at the prepare instant raises something nobody handles.
        stage.market.browse.fail_next(RuntimeError("a bug"))
        claimed_at: list[int] = []
        standby_hooks = Hooks(claimed=lambda _: claimed_at.append(stage.clock.now_ns()))
        primary, standby = await asyncio.gather(
            stage.run("primary"), stage.run("standby", hooks=standby_hooks), return_exceptions=True
        )

        assert isinstance(primary, RuntimeError) and standby is Result.DONE
        [failed_read] = stage.market.browse.reads[:1]
        # Released, not left to expire (that would take up to 1.6 s).
        [taken] = claimed_at
        assert 0 < taken - failed_read < 400 * NS_PER_MS
        [bid] = stage.bids()
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - stage.target_ns) < NS_PER_MS
        timing = (await stage.entry()).timing
        assert timing is not None and timing.fired_by == "takeover"

    run_virtual(main())


def test_a_holder_cut_off_from_its_lease_stops_sending_and_the_standby_sends_once_more() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        # Two 500s (nothing applied) to the holder's shot; from its first send on, its writes
        # are throttled, so its lease runs out under it while it retries.
        stage.market.fail("place", answer(500), answer(500))
        throttled = ThrottledSnipes(stage.stores.bids)

        def cut_off() -> None:
            throttled.throttled = True

        primary, standby = await asyncio.gather(
            stage.run("primary", snipes=throttled, hooks=Hooks(sent=cut_off)),
            stage.run("standby"),
        )

        assert (primary, standby) == (Result.LOST_LEASE, Result.DONE)
        assert throttled.refused > 0
        # The holder's third attempt was never sent: its lease had no safety left. The standby
        # asked eBay (no bid of ours), then sent its one try.
        first, second, third = stage.bids()
        assert [b.status for b in (first, second, third)] == [500, 500, 200]
        assert third.arrived_ns is not None and third.arrived_ns < stage.close_ns
        assert len(stage.applied()) == 1
        entry = await stage.entry()
        assert entry.outcome == S.WON and entry.timing is not None
        assert (entry.timing.fired_by, entry.timing.attempts) == ("takeover", 1)
        assert stage.emails() == ["won"]

    run_virtual(main())


def test_a_lease_taken_by_another_invocation_stops_the_holder_before_it_sends() -> None:
    async def main() -> None:
        stage = await Stage.build()

        async def taken() -> None:
            lease_ms = stage.clock.now_ms + 600_000
            await stage.put(lease_owner="req-other/ffff", lease_expires_ms=lease_ms)

        stage.after(stage.target_ns - 5 * NS_PER_S, taken)
        assert await stage.run() is Result.LOST_LEASE
        assert stage.market.requests("place") == []
        assert (await stage.stored()).lease_owner == "req-other/ffff"

    run_virtual(main())


def test_a_standby_whose_invocation_ends_first_stops_holding_while_the_holder_lives() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # The standby's Lambda ends (20 s - its 5 s margin) a second after the target.
        primary, standby = await asyncio.gather(
            stage.run("primary"), stage.run("standby", budget_s=20)
        )

        assert (primary, standby) == (Result.DONE, Result.HELD)
        assert len(stage.bids()) == 1
        assert stage.emails() == ["won"]

    run_virtual(main())


def test_a_standby_that_saw_the_holder_die_after_its_final_write_hands_the_email_over() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await stage.both(kill_at=Step.SETTLED)

        [handed] = stage.handed("WON")
        stored = await stage.stored()
        # Not before the hand-over window after the final write: the writer might have.
        assert handed.at_ns >= (stored.updated_ms + 15_000) * NS_PER_MS

    run_virtual(main())
