"""The standby's own preparation, on virtual time: it gets ready near the instant so a takeover
loses no time, copes when it could not, and leaves no connection open behind it."""

from __future__ import annotations

from sniper.clock import NS_PER_MS, NS_PER_S
from sniper.domain.snipe import SnipeStatus as S
from sniper.executor.engine import Result
from tests.fakes.offer_wire import answer
from tests.fakes.virtual_time import run_virtual
from tests.unit.executor.stage import KILLED, Stage


def test_a_standby_that_got_ready_and_never_took_over_closes_its_connection() -> None:
    async def main() -> None:
        stage = await Stage.build()
        assert await stage.both() == (Result.DONE, Result.SETTLED)

        # One warm connection each (the standby prepared near the instant), both closed.
        assert len(stage.market.connections) == 2
        assert [c.is_open for c in stage.market.connections] == [False, False]

    run_virtual(main())


def test_a_standby_that_took_over_fires_on_the_connection_it_warmed() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await stage.both(kill_at=stage.target_ns - 3 * NS_PER_S)

        # The dead primary's connection, and the standby's: no third one for the shot.
        assert len(stage.market.connections) == 2
        [bid] = stage.bids()
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - stage.target_ns) < NS_PER_MS

    run_virtual(main())


def test_a_standby_that_could_not_get_ready_warms_up_when_it_takes_over() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # Every probe fails around the prepare instant: the standby measures nothing.
        prepare = stage.target_ns - 8 * NS_PER_S
        stage.after(prepare - NS_PER_S, lambda: stage.market.fail_always("probe", answer(500)))
        stage.after(prepare + NS_PER_S, lambda: stage.market.fail_always("probe", None))
        primary, standby = await stage.both(kill_at=stage.target_ns - 5 * NS_PER_S)

        assert (primary, standby) == (KILLED, Result.DONE)
        assert len(stage.market.connections) == 3  # the standby opened a fresh one
        [bid] = stage.bids()
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - stage.target_ns) < NS_PER_MS
        assert (await stage.stored()).status == S.WON

    run_virtual(main())


def test_a_standby_connection_ebay_closed_meanwhile_is_replaced_at_the_takeover() -> None:
    async def main() -> None:
        stage = await Stage.build()
        kill = stage.target_ns - 4 * NS_PER_S
        stage.after(kill - 100 * NS_PER_MS, stage.market.close_idle)
        primary, standby = await stage.both(kill_at=kill)

        assert (primary, standby) == (KILLED, Result.DONE)
        standby_first, _, fresh = stage.market.connections
        assert standby_first.connects == 1 and fresh.connects == 1
        [bid] = stage.bids()
        assert bid.arrived_ns is not None and abs(bid.arrived_ns - stage.target_ns) < NS_PER_MS

    run_virtual(main())
