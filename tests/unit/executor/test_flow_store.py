"""The executor when the Bids table is slow or throttled in the last second: the write that
stretches the lease over the shot (Claim.cover_shot) must not make the bid late, nor stop it while
the lease already held still covers the send. On virtual time."""

from __future__ import annotations

from collections.abc import Callable

from sniper.clock import NS_PER_MS
from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.snipe import Snipe
from sniper.domain.snipe import SnipeStatus as S
from sniper.executor.engine import Result
from tests.fakes.virtual_time import run_virtual
from tests.unit.executor.stage import FaultySnipes, Stage


def after_the_move_to_bidding(fault: object) -> Callable[[Snipe], object]:
    """`fault` for every write once the snipe is BIDDING: the lease renewals and the write that
    covers the shot, not the move itself."""
    moved = False

    def decide(snipe: Snipe) -> object:
        nonlocal moved
        if snipe.status is not S.BIDDING:
            return None
        if not moved:
            moved = True
            return None
        return fault

    return decide


def _on_target(stage: Stage) -> None:
    [bid] = stage.applied()
    assert bid.arrived_ns is not None
    assert -NS_PER_MS <= bid.arrived_ns - stage.target_ns <= NS_PER_MS


def test_a_slow_lease_write_before_the_shot_does_not_make_the_bid_late() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # Each write takes 0.8 s from the move to BIDDING on (1 s before the send): waiting
        # for the one that covers the shot would send the bid most of a second late.
        slow = FaultySnipes(stage.stores.bids, stage.clock, after_the_move_to_bidding(0.8))
        assert await stage.run(snipes=slow) == Result.DONE

        assert slow.faulted >= 1
        _on_target(stage)
        stored = await stage.stored()
        assert stored.status is S.WON
        # The slow write landed before the PLACED one (they share the claim's lock).
        assert stored.shot is not None and stored.shot.attempts == 1
        assert stage.emails() == ["won"]

    run_virtual(main())


def test_a_throttled_lease_write_before_the_shot_fires_on_the_lease_held() -> None:
    async def main() -> None:
        stage = await Stage.build()
        throttled = UpstreamUnavailable("ProvisionedThroughputExceededException")
        faulty = FaultySnipes(stage.stores.bids, stage.clock, after_the_move_to_bidding(throttled))
        assert await stage.run(snipes=faulty) == Result.DONE

        assert faulty.faulted >= 1
        _on_target(stage)
        assert (await stage.stored()).status is S.WON
        assert stage.emails() == ["won"]

    run_virtual(main())


def test_a_late_shot_whose_lease_runs_out_waits_for_the_lease_write() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # The move to BIDDING takes 1.4 s: the lease it wrote (1.5 s from its start) ends 0.5 s
        # after the send, and the executor reaches the shot 0.4 s late. Firing on that lease
        # would leave no safety: the shot must wait for the write that covers it (0.5 s).
        writes = iter([1.4])

        def slow(snipe: Snipe) -> object:
            return next(writes, 0.5) if snipe.status is S.BIDDING else None

        faulty = FaultySnipes(stage.stores.bids, stage.clock, slow)
        assert await stage.run(snipes=faulty) == Result.DONE

        [bid] = stage.applied()
        assert bid.arrived_ns is not None and bid.arrived_ns < stage.close_ns
        # Late by the two writes, not lost: sent only once the covering write had landed.
        assert bid.arrived_ns - stage.target_ns > 800 * NS_PER_MS
        assert (await stage.stored()).status is S.WON
        assert stage.emails() == ["won"]

    run_virtual(main())
