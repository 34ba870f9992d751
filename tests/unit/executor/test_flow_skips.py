"""The executor's flow when the snipe must not fire, on virtual time: gone, cancelled or settled
before it ran; woken too late; its group already won or undecided; the auction ended early,
bought, priced above the maximum, or moved. No bid unless the auction still wants one; the
outcome told once."""

from __future__ import annotations

import functools

from sniper.clock import NS_PER_MS, NS_PER_S
from sniper.domain import instants
from sniper.domain.snipe import BidGroup, FailureReason, SkipReason
from sniper.domain.snipe import SnipeStatus as S
from sniper.ebay.errors import EbayUnavailable
from sniper.events import SnipeOutcome
from sniper.executor.engine import Result
from sniper.executor.settle import HAND_OVER_AFTER_MS
from tests.factories import make_history, make_snipe
from tests.fakes.virtual_time import run_virtual
from tests.unit.executor.stage import FUNCTION, USER_ID, Stage

GROUP = BidGroup(group_id="cameras", max_wins=1)


# ---------------------------------------------------------------------- nothing to do
def test_a_deleted_snipe_is_gone_and_nothing_is_sent() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.delete()

        assert await stage.run() is Result.GONE
        assert stage.market.log == [] and stage.notify.handed == []

    run_virtual(main())


def test_a_cancelled_snipe_is_settled_without_a_bid_or_an_email() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await stage.put(status=S.CANCELLED)

        assert await stage.run() is Result.SETTLED
        assert (await stage.stored()).status == S.CANCELLED
        assert stage.market.log == [] and stage.notify.handed == []

    run_virtual(main())


def test_a_settled_snipe_whose_email_never_went_has_it_handed_over_once() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # A predecessor wrote WON (owing the email) a minute ago, then died before the hand-off.
        settled_ms = stage.clock.now_ms - 60_000
        snipe = await stage.put(status=S.WON, notices_owed=("WON",), updated_ms=settled_ms)
        await stage.stores.history.record(make_history(snipe))

        assert await stage.run() is Result.SETTLED
        [handed] = stage.handed("WON")
        assert isinstance(handed.event, SnipeOutcome) and handed.event.final_price is not None
        assert handed.event.final_price.value == "21.00"  # the history entry's
        # A second late trigger finds the notifier's record: nothing more.
        assert await stage.run("standby") is Result.SETTLED
        assert stage.emails() == ["won"]
        assert stage.market.log == []

    run_virtual(main())


def test_a_snipe_settled_moments_ago_leaves_its_email_to_the_writer() -> None:
    async def main() -> None:
        stage = await Stage.build()
        writer_ms = stage.wake_ns() // NS_PER_MS - HAND_OVER_AFTER_MS + 1_000
        await stage.put(status=S.LOST, notices_owed=("LOST",), updated_ms=writer_ms)

        assert await stage.run() is Result.SETTLED
        assert stage.notify.handed == []

    run_virtual(main())


def test_a_snipe_settled_in_the_instant_of_the_claim_is_not_bid_on() -> None:
    async def main() -> None:
        stage = await Stage.build()

        async def cancelled_by_the_user() -> None:
            await stage.put(status=S.CANCELLED)

        # The user's cancel lands just before the executor's claim (a conditional write).
        stage.stores.snipes.interleave(cancelled_by_the_user)

        assert await stage.run() is Result.SETTLED
        assert (await stage.stored()).status == S.CANCELLED
        assert stage.market.log == []

    run_virtual(main())


def test_a_snipe_deleted_in_the_instant_of_the_claim_is_gone() -> None:
    async def main() -> None:
        stage = await Stage.build()

        async def deleted() -> None:
            stage.delete()

        stage.stores.snipes.interleave(deleted)

        assert await stage.run() is Result.GONE
        assert stage.market.log == []

    run_virtual(main())


def test_cancelled_while_armed_the_holder_stops_and_the_standby_sees_it_settled() -> None:
    async def main() -> None:
        stage = await Stage.build()

        async def cancelled() -> None:
            await stage.put(status=S.CANCELLED)

        stage.after(stage.target_ns - 5 * NS_PER_S, cancelled)
        primary, standby = await stage.both()

        # The holder's next renewal meets the user's write: it stops, having sent nothing.
        assert (primary, standby) == (Result.LOST_LEASE, Result.SETTLED)
        assert stage.bids() == []
        assert stage.notify.handed == []

    run_virtual(main())


def test_deleted_while_armed_the_holder_stops_and_the_standby_finds_it_gone() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.after(stage.target_ns - 5 * NS_PER_S, stage.delete)

        assert await stage.both() == (Result.LOST_LEASE, Result.GONE)
        assert stage.bids() == []

    run_virtual(main())


# ---------------------------------------------------------------------- too late
def test_woken_after_the_close_it_fails_executor_late_without_a_bid() -> None:
    async def main() -> None:
        stage = await Stage.build()
        result = await stage.run(at_ns=stage.close_ns + NS_PER_S)

        assert result is Result.DONE
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.EXECUTOR_LATE)
        assert stage.market.log == []
        assert (await stage.entry()).reason == FailureReason.EXECUTOR_LATE
        assert stage.emails() == ["failed"]

    run_virtual(main())


def test_a_reread_showing_the_auction_closed_on_time_fails_executor_late() -> None:
    async def main() -> None:
        stage = await Stage.build(latency_ms=10)
        # eBay closed it 0.9 s before the end we know (within its tolerance: on time), and the
        # executor starts half a second before that end: the re-read shows it over.
        stage.market.move_end(stage.item_id, (stage.close_ns - 900 * NS_PER_MS) // NS_PER_MS)
        await stage.run(at_ns=stage.close_ns - 500 * NS_PER_MS)

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.EXECUTOR_LATE)
        assert len(stage.market.browse.reads) == 1
        assert stage.bids() == []

    run_virtual(main())


# ---------------------------------------------------------------------- groups
async def _sibling(stage: Stage, *, status: S, closes_before_s: float) -> str:
    sibling = make_snipe(
        user_id=USER_ID,
        group=GROUP,
        status=status,
        auction_end_ms=stage.snipe.auction_end_ms - round(closes_before_s * 1000),
        created_ms=stage.clock.now_ms,
        updated_ms=stage.clock.now_ms,
    )
    await stage.stores.snipes.create(sibling)
    return sibling.bid_id


def test_a_group_that_already_won_skips_the_snipe() -> None:
    async def main() -> None:
        stage = await Stage.build(group=GROUP)
        await _sibling(stage, status=S.WON, closes_before_s=30)
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.SKIPPED, SkipReason.GROUP_ALREADY_WON)
        assert stage.market.log == []
        assert stage.emails() == ["skipped"]

    run_virtual(main())


def test_a_group_whose_earlier_sibling_stays_undecided_is_skipped_before_preparing() -> None:
    async def main() -> None:
        stage = await Stage.build(group=GROUP)
        await _sibling(stage, status=S.ARMED, closes_before_s=2)
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.SKIPPED, SkipReason.GROUP_UNRESOLVED)
        # It gave up when it had to start preparing, not later.
        entry = await stage.entry()
        prepare_ms = instants.prepare_ns(stage.target_ns) // NS_PER_MS
        assert prepare_ms <= entry.settled_ms < prepare_ms + 1_000
        assert stage.market.log == []

    run_virtual(main())


def test_a_group_waits_for_its_earlier_sibling_and_fires_once_it_lost() -> None:
    async def main() -> None:
        stage = await Stage.build(group=GROUP)
        sibling_id = await _sibling(stage, status=S.ARMED, closes_before_s=20)

        async def sibling_lost() -> None:
            sibling = await stage.stores.snipes.get(USER_ID, sibling_id)
            await stage.stores.snipes.save(
                sibling.moved_to(S.FAILED, now_ms=stage.clock.now_ms, reason="TOO_LATE"),
                expected_version=sibling.version,
            )

        stage.after(stage.target_ns - 12 * NS_PER_S, sibling_lost)
        await stage.run()

        assert (await stage.stored()).status == S.WON
        [bid] = stage.bids()
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - stage.target_ns) < NS_PER_MS

    run_virtual(main())


# ---------------------------------------------------------------------- the auction changed
def test_a_listing_removed_before_the_instant_is_skipped_as_ended_early() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.remove(stage.item_id)
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.SKIPPED, SkipReason.AUCTION_ENDED_EARLY)
        assert stage.bids() == []
        assert stage.emails() == ["skipped"]

    run_virtual(main())


def test_an_auction_the_seller_ended_early_with_bids_is_skipped_as_ended_early() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.rival_bid(stage.item_id, "12.00")
        ended_ms = (stage.target_ns - 20 * NS_PER_S) // NS_PER_MS
        stage.market.move_end(stage.item_id, ended_ms)
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.SKIPPED, SkipReason.AUCTION_ENDED_EARLY)
        assert stage.bids() == []

    run_virtual(main())


def test_an_auction_bought_before_the_reread_is_skipped_as_buy_it_now() -> None:
    async def main() -> None:
        stage = await Stage.build(buy_it_now_price="50.00")
        stage.after(stage.target_ns - 10 * NS_PER_S, lambda: stage.market.buy_it_now(stage.item_id))
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.SKIPPED, SkipReason.ENDED_BY_BUY_IT_NOW)
        assert stage.bids() == []
        assert stage.emails() == ["skipped"]

    run_virtual(main())


def test_an_auction_bought_between_the_reread_and_the_shot_is_skipped_by_ebays_answer() -> None:
    async def main() -> None:
        stage = await Stage.build(buy_it_now_price="50.00")
        stage.after(stage.target_ns - 4 * NS_PER_S, lambda: stage.market.buy_it_now(stage.item_id))
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.SKIPPED, SkipReason.ENDED_BY_BUY_IT_NOW)
        [bid] = stage.bids()  # refused 120002, and not tried again
        assert (bid.status, bid.error_id, bid.applied) == (409, 120002, False)
        assert stage.emails() == ["skipped"]

    run_virtual(main())


def test_a_price_already_above_the_maximum_is_skipped_without_a_bid() -> None:
    async def main() -> None:
        stage = await Stage.build(max_bid="25.00")
        # Two rivals drive the price to 31.00 (a lone one would leave it at the start price).
        stage.market.rival_bid(stage.item_id, "30.00", bidder="rival_rita")
        stage.market.rival_bid(stage.item_id, "40.00", bidder="rival_ron")
        assert stage.price().value == "31.00"
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.SKIPPED, SkipReason.PRICE_ABOVE_MAX)
        assert stage.bids() == []
        assert stage.emails() == ["skipped"]

    run_virtual(main())


def test_an_end_moved_a_little_later_is_adopted_and_the_bid_aims_at_the_new_target() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        new_end_ms = stage.snipe.auction_end_ms + 10_000
        stage.market.move_end(stage.item_id, new_end_ms)
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.auction_end_ms) == (S.WON, new_end_ms)
        [bid] = stage.bids()
        new_target = instants.target_ns(new_end_ms, 3)
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - new_target) < NS_PER_MS
        timing = (await stage.entry()).timing
        assert timing is not None and timing.auction_end_ns == new_end_ms * NS_PER_MS

    run_virtual(main())


def test_an_end_moved_beyond_this_invocation_is_handed_to_a_fresh_one_that_bids() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        new_end_ms = stage.snipe.auction_end_ms + 400_000
        stage.market.move_end(stage.item_id, new_end_ms)

        assert await stage.run() is Result.HANDED_OFF
        [(function, due)] = stage.redispatch.calls
        assert (function, due.bid_id, due.role) == (FUNCTION, stage.snipe.bid_id, "primary")
        held = await stage.stored()
        # The new end is adopted and the lease let go, so the next run may take over at once.
        assert (held.status, held.auction_end_ms) == (S.ARMED, new_end_ms)
        assert held.lease_expires_ms is not None and held.lease_expires_ms < stage.clock.now_ms
        assert stage.bids() == []

        # The fresh invocation is early for the new end: it relays itself, then fires.
        assert await stage.run(due=due, at_ns=stage.clock.now_ns()) is Result.RELAYED
        [(relayed, delay_s)] = stage.wake.calls
        assert await stage.run(due=relayed, at_ns=stage.clock.now_ns() + delay_s * NS_PER_S) == (
            Result.DONE
        )
        assert (await stage.stored()).status == S.WON
        [bid] = stage.bids()
        new_target = instants.target_ns(new_end_ms, 3)
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - new_target) < NS_PER_MS
        timing = (await stage.entry()).timing
        assert timing is not None and timing.fired_by == "takeover"

    run_virtual(main())


def test_an_end_that_keeps_moving_is_reread_three_times_then_bid_on() -> None:
    async def main() -> None:
        stage = await Stage.build(offset_s=3)
        end_ms = stage.snipe.auction_end_ms
        # Each time just before the executor re-reads (8 s before the target), the end moves
        # 10 s later again (a seller's listing extended, three times).
        for n in range(3):
            stage.after(
                stage.target_ns + (10 * n - 9) * NS_PER_S,
                functools.partial(stage.market.move_end, stage.item_id, end_ms + 10_000 * (n + 1)),
            )
        await stage.run()

        assert len(stage.market.browse.reads) == 3
        last_end_ms = end_ms + 30_000
        assert (await stage.stored()).auction_end_ms == last_end_ms
        [bid] = stage.bids()
        new_target = instants.target_ns(last_end_ms, 3)
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - new_target) < NS_PER_MS

    run_virtual(main())


def test_a_failed_reread_does_not_stop_the_bid() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.browse.fail_next(EbayUnavailable("Browse is down"))
        await stage.run()

        assert (await stage.stored()).status == S.WON
        assert len(stage.market.browse.reads) == 1
        assert len(stage.applied()) == 1

    run_virtual(main())


def test_a_late_start_bids_on_what_it_knows_when_the_reread_is_slow() -> None:
    async def main() -> None:
        stage = await Stage.build(latency_ms=300, offset_s=3)
        # Starting 1.2 s before the target, the re-read (600 ms) cannot finish before the move
        # to BIDDING is due: it is dropped, and the bid goes out on what is known.
        await stage.run(at_ns=stage.target_ns - 1_200 * NS_PER_MS)

        assert stage.market.browse.reads == []  # abandoned before eBay read it
        assert (await stage.stored()).status == S.WON
        [bid] = stage.bids()
        assert bid.arrived_ns is not None and bid.arrived_ns < stage.close_ns

    run_virtual(main())
