"""The executor's shot and settle under eBay's faults, on virtual time: each verdict of the shot
(placed after a retry, throttled, refused, lost answers, outbid, failed) ends in eBay's truth
(WON/LOST with the final price whenever our bid stands; FAILED only when eBay shows none), with
at most three polite attempts, none that could arrive after the close, and one email."""

from __future__ import annotations

import itertools

from sniper.clock import NS_PER_MS, NS_PER_S
from sniper.domain.money import Money
from sniper.domain.snipe import FailureReason
from sniper.domain.snipe import SnipeStatus as S
from sniper.executor.fire import MAX_ATTEMPTS, MIN_GAP_S
from tests.fakes.offer_wire import (
    Arrival,
    answer,
    lose_answer,
    lose_request,
    refuse,
    throttle,
)
from tests.fakes.virtual_time import run_virtual
from tests.unit.executor.stage import Stage

MIN_GAP_NS = round(MIN_GAP_S * NS_PER_S)


def usd(value: str) -> Money:
    return Money.parse(value, "USD")


def _before_close(stage: Stage, bids: list[Arrival]) -> bool:
    return all(b.arrived_ns is not None and b.arrived_ns < stage.close_ns for b in bids)


def _told_once(stage: Stage, tag: str) -> None:
    assert stage.emails() == [tag]


# ---------------------------------------------------------------------- retried and placed
def test_a_500_then_success_places_on_the_second_attempt() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.fail("place", answer(500))
        await stage.run()

        first, second = stage.bids()
        assert (first.status, second.status) == (500, 200)
        assert first.answered_ns is not None
        assert second.sent_ns - first.answered_ns >= MIN_GAP_NS
        assert _before_close(stage, [first, second])
        assert len(stage.applied()) == 1
        entry = await stage.entry()
        assert entry.outcome == S.WON and entry.timing is not None
        assert (entry.timing.attempts, entry.timing.landed_attempt) == (2, 2)
        assert entry.timing.sent_ns == second.sent_ns
        _told_once(stage, "won")

    run_virtual(main())


def test_a_500_after_ebay_applied_the_bid_is_read_as_placed_by_the_retry() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.fail("place", answer(500, applied=True))
        await stage.run()

        # The retry is refused "cannot lower" (120010): our maximum already stands.
        first, second = stage.bids()
        assert (first.status, first.applied) == (500, True)
        assert (second.status, second.error_id, second.applied) == (409, 120010, False)
        entry = await stage.entry()
        assert (entry.outcome, entry.final_price) == (S.WON, usd("10.00"))
        assert entry.timing is not None
        assert (entry.timing.attempts, entry.timing.landed_attempt) == (2, 1)
        _told_once(stage, "won")

    run_virtual(main())


def test_a_reset_after_ebay_applied_the_bid_is_read_as_placed_by_the_retry() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.fail("place", lose_answer())
        await stage.run()

        first, second = stage.bids()
        assert (first.applied, first.answered) == (True, False)
        assert second.error_id == 120010
        entry = await stage.entry()
        assert entry.outcome == S.WON and entry.timing is not None
        assert entry.timing.landed_attempt == 1
        assert len(stage.applied()) == 1

    run_virtual(main())


def test_a_refused_connection_sends_nothing_and_is_tried_again_shortly() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.fail("place", refuse())
        await stage.run()

        assert [kind for kind, _ in stage.market.refused] == ["place"]
        [bid] = stage.bids()  # the refusal never reached eBay: one attempt in the report
        assert bid.arrived_ns is not None and bid.arrived_ns < stage.close_ns
        entry = await stage.entry()
        assert entry.outcome == S.WON and entry.timing is not None
        assert (entry.timing.attempts, entry.timing.landed_attempt) == (1, 1)

    run_virtual(main())


def test_ebay_unreachable_at_the_shot_sends_nothing_and_fails_without_a_settle() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.after(stage.target_ns - 500 * NS_PER_MS, lambda: stage.market.fail_always(
            "place", refuse()))  # fmt: skip
        await stage.run()

        assert stage.market.requests("place") == []  # no request ever left
        refused = [at for kind, at in stage.market.refused if kind == "place"]
        assert refused and max(refused) < stage.close_ns
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.EBAY_UNAVAILABLE)
        entry = await stage.entry()
        assert entry.timing is not None and entry.timing.attempts == 0
        # Nothing was sent, so nothing can stand: eBay is not asked after the close.
        assert [p for p in stage.market.requests("probe") if p.sent_ns > stage.close_ns] == []

    run_virtual(main())


# ---------------------------------------------------------------------- throttled
def test_a_429_is_waited_out_as_retry_after_says_then_placed() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        stage.market.fail("place", throttle(1.0))
        await stage.run()

        first, second = stage.bids()
        assert (first.status, second.status) == (429, 200)
        assert first.answered_ns is not None
        assert second.sent_ns - first.answered_ns >= NS_PER_S  # Retry-After honoured
        assert _before_close(stage, [first, second])
        entry = await stage.entry()
        assert entry.outcome == S.WON and entry.timing is not None
        assert (entry.timing.attempts, entry.timing.landed_attempt) == (2, 2)

    run_virtual(main())


def test_a_429_whose_retry_after_outlasts_the_auction_ends_the_shot() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        stage.market.fail("place", throttle(10.0))
        await stage.run()

        [bid] = stage.bids()  # no retry inside eBay's ten seconds: it asked us not to
        assert bid.status == 429
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.EBAY_UNAVAILABLE)
        # Nothing uncertain was sent: no settle read after the close.
        assert [p for p in stage.market.requests("probe") if p.sent_ns > stage.close_ns] == []
        assert stage.outcomes() == ["FAILED"]
        _told_once(stage, "failed")

    run_virtual(main())


def test_ebay_down_past_the_close_gets_three_spread_attempts_and_fails_truthfully() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        stage.market.fail_always("place", answer(503))
        await stage.run()

        bids = stage.bids()
        assert len(bids) == MAX_ATTEMPTS
        assert _before_close(stage, bids)
        gaps = [b.sent_ns - a.sent_ns for a, b in itertools.pairwise(bids)]
        # Spread over the 3 s left, not hammered back to back.
        assert all(gap >= 500 * NS_PER_MS for gap in gaps), gaps
        assert stage.applied() == []
        # A 503 might hide a bid: eBay's record after the close says there is none.
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.EBAY_UNAVAILABLE)
        entry = await stage.entry()
        assert entry.timing is not None
        assert (entry.timing.attempts, entry.timing.landed_attempt) == (3, None)
        assert [p for p in stage.market.requests("probe") if p.sent_ns > stage.close_ns]
        _told_once(stage, "failed")

    run_virtual(main())


# ---------------------------------------------------------------------- lost answers
def test_an_answer_lost_after_ebay_applied_the_bid_is_settled_as_won_from_ebays_record() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        # Noticed only 3.5 s later (a client timeout): past the close, no retry can follow.
        stage.market.fail("place", lose_answer(noticed_after_s=3.5))
        await stage.run()

        [bid] = stage.bids()
        assert (bid.applied, bid.answered) == (True, False)
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.WON, None)
        entry = await stage.entry()
        assert entry.final_price == usd("10.00")
        assert entry.timing is not None
        # Only one attempt could have placed it: that one landed.
        assert (entry.timing.attempts, entry.timing.landed_attempt) == (1, 1)
        assert stage.outcomes() == ["WON"]  # never PLACED: its answer never came
        _told_once(stage, "won")

    run_virtual(main())


def test_an_answer_lost_then_outbid_is_settled_as_lost_at_ebays_price() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3, max_bid="25.00")
        stage.market.fail("place", lose_answer())
        # A rival outbids us before the retry: it is refused "too low" (120008), which says
        # nothing of our first attempt; eBay's record does.
        stage.after(stage.target_ns + 300 * NS_PER_MS, lambda: stage.market.rival_bid(
            stage.item_id, "40.00"))  # fmt: skip
        await stage.run()

        first, second = stage.bids()
        assert first.applied and second.error_id == 120008
        entry = await stage.entry()
        assert (entry.outcome, entry.reason) == (S.LOST, None)
        assert entry.final_price == stage.price() == usd("26.00")
        assert entry.timing is not None and entry.timing.landed_attempt == 1
        _told_once(stage, "lost")

    run_virtual(main())


def test_two_attempts_that_may_have_landed_leave_the_landed_one_unsaid() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        # The first request is lost on the way (a reset, at once); the second is applied and
        # its answer lost past the close. Both might have placed the bid: neither is named.
        stage.market.fail("place", lose_request(), lose_answer(noticed_after_s=3.5))
        await stage.run()

        assert len(stage.market.requests("place")) == 2 and len(stage.applied()) == 1
        entry = await stage.entry()
        assert entry.outcome == S.WON and entry.timing is not None
        assert (entry.timing.attempts, entry.timing.landed_attempt) == (2, None)

    run_virtual(main())


def test_a_listing_gone_after_the_close_ends_outcome_unknown() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.after(stage.close_ns, lambda: stage.market.remove(stage.item_id))
        await stage.run()

        assert len(stage.applied()) == 1
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.OUTCOME_UNKNOWN)
        # eBay said "not found" (a refusal, not a fault): asked once, not for a minute.
        [asked] = [p for p in stage.market.requests("probe") if p.sent_ns > stage.close_ns]
        assert asked.error_id == 120001

    run_virtual(main())


def test_requests_lost_on_the_way_fail_only_once_ebay_shows_no_bid() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.fail_always("place", lose_request())
        await stage.run()

        sent = stage.market.requests("place")
        assert len(sent) == MAX_ATTEMPTS and stage.bids() == []  # none reached eBay
        settle = [p for p in stage.market.requests("probe") if p.sent_ns > stage.close_ns]
        assert settle and settle[-1].error_id == 120033  # "no bidding activity"
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.EBAY_UNAVAILABLE)
        _told_once(stage, "failed")

    run_virtual(main())


def test_ebay_silent_after_the_close_ends_outcome_unknown_after_a_minute_of_backoff() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.after(stage.close_ns, lambda: stage.market.fail_always("probe", answer(503)))
        await stage.run()

        assert len(stage.applied()) == 1
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.OUTCOME_UNKNOWN)
        asked = [p.sent_ns for p in stage.market.requests("probe") if p.sent_ns > stage.close_ns]
        gaps = [b - a for a, b in itertools.pairwise(asked)]
        # Backing off (a quarter second doubling to five; the last wait cut short by the end of
        # the minute after the close).
        growing = itertools.pairwise(gaps[:-1])
        assert all(later > earlier - NS_PER_MS for earlier, later in growing), gaps
        assert max(gaps) <= 5 * NS_PER_S + 100 * NS_PER_MS
        assert asked[-1] - stage.close_ns >= 55 * NS_PER_S
        assert len(asked) < 20
        assert stage.outcomes() == ["PLACED", "FAILED"]
        _told_once(stage, "failed")

    run_virtual(main())


def test_ebay_late_to_say_ended_is_asked_again_until_it_does() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # The first reads after the close fail; eBay answers from close + 5 s.
        stage.after(stage.close_ns, lambda: stage.market.fail_always("probe", answer(500)))
        stage.after(stage.close_ns + 5 * NS_PER_S, lambda: stage.market.fail_always("probe", None))
        await stage.run()

        refused = [p for p in stage.market.requests("probe") if p.sent_ns > stage.close_ns]
        assert [p.status for p in refused][:2] == [500, 500]
        entry = await stage.entry()
        assert (entry.outcome, entry.final_price) == (S.WON, usd("10.00"))
        assert entry.settled_ms * NS_PER_MS < stage.close_ns + 10 * NS_PER_S

    run_virtual(main())


# ---------------------------------------------------------------------- refused for good
def test_outbid_between_the_reread_and_the_shot_is_lost_without_a_settle() -> None:
    async def main() -> None:
        stage = await Stage.build(max_bid="25.00")
        stage.after(stage.target_ns - 4 * NS_PER_S, lambda: stage.market.rival_bid(
            stage.item_id, "30.00"))  # fmt: skip
        stage.after(stage.target_ns - 4 * NS_PER_S, lambda: stage.market.rival_bid(
            stage.item_id, "40.00", bidder="rival_ron"))  # fmt: skip
        await stage.run()

        [bid] = stage.bids()
        assert (bid.status, bid.error_id) == (409, 120008)
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.LOST, "OUTBID_BEFORE_SNIPE:120008")
        assert (await stage.entry()).final_price is None
        _told_once(stage, "lost")

    run_virtual(main())


def test_a_bid_ebay_rejects_for_good_fails_bid_rejected_with_its_error() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.fail("place", answer(400, 120013))
        await stage.run()

        [bid] = stage.bids()  # not retried: retrying cannot fix it
        assert bid.status == 400
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, "BID_REJECTED:120013")
        _told_once(stage, "failed")

    run_virtual(main())


def test_an_auction_ended_before_the_bid_arrived_fails_too_late() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        # After the re-read, the seller's end comes forward to just before our target.
        early_end_ms = (stage.target_ns - 500 * NS_PER_MS) // NS_PER_MS
        stage.after(stage.target_ns - 3 * NS_PER_S, lambda: stage.market.move_end(
            stage.item_id, early_end_ms))  # fmt: skip
        await stage.run()

        [bid] = stage.bids()
        assert bid.error_id == 120012
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.TOO_LATE)

    run_virtual(main())


def test_probes_failing_while_aiming_still_let_the_bid_land_before_the_close() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # Only the first warm-up probes succeed; every later probe fails until the close.
        stage.after(stage.target_ns - 7 * NS_PER_S, lambda: stage.market.fail_always(
            "probe", answer(500)))  # fmt: skip
        stage.after(stage.close_ns, lambda: stage.market.fail_always("probe", None))
        await stage.run()

        failed = [p for p in stage.market.requests("probe") if p.status == 500]
        assert len(failed) >= 10  # the aim had only the warm-up's samples
        [bid] = stage.bids()
        assert bid.arrived_ns is not None and bid.arrived_ns < stage.close_ns
        assert abs(bid.arrived_ns - stage.target_ns) < 50 * NS_PER_MS
        assert (await stage.stored()).status == S.WON

    run_virtual(main())
