"""An asyncio event loop on virtual time: when nothing is ready, the clock jumps to the next timer.

`asyncio.sleep`, `asyncio.wait_for` and `asyncio.timeout` all read the loop's `time()`, so on a
`VirtualLoop` a five-minute snipe runs in milliseconds, in the same order of events it would
have in real time, and the same way every run. Its selector first asks the real one (select(0):
the loop's self-pipe, a socket) and, when nothing is ready, advances the loop's clock by the
timeout the loop asked for instead of waiting it out. When nothing is ready and no timer is
due, a real loop would wait forever: this one raises `Deadlock` instead.

`VirtualClock` is the Clock (sniper/clock.py) on that time: epoch nanoseconds from START_MS
(tests/fakes/clock.py) on. Each reading costs a microsecond, as a real reading takes a little
time: `sniper.executor.timing.wait_until` spins on the clock for its last millisecond and
yields without sleeping for a few more, and on a clock that never moved between readings it
would spin forever.

Tests that use it are plain `def test_...` functions that call `run_virtual(main())`;
pytest-asyncio's loop is not involved.
"""

from __future__ import annotations

import asyncio
import contextlib
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

from sniper.clock import NS_PER_MS, NS_PER_S
from tests.fakes.clock import START_MS

T = TypeVar("T")


class Deadlock(RuntimeError):
    """Nothing is ready and no timer is due: on a real loop the test would hang."""


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualLoop | None = None

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready:
            return ready
        if timeout is None:
            raise Deadlock("nothing ready and no timer due: the test would hang")
        if timeout > 0 and self.loop is not None:
            self.loop.advance(timeout)
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose `time()` is virtual seconds from 0, moved only by waiting."""

    def __init__(self) -> None:
        selector = _JumpingSelector()
        super().__init__(selector)
        selector.loop = self
        self._virtual_s = 0.0

    def time(self) -> float:
        return self._virtual_s

    def advance(self, seconds: float) -> None:
        self._virtual_s += seconds


class VirtualClock:
    """sniper.clock.Clock on a VirtualLoop's time: epoch ns from `start_ms` (loop time 0)."""

    TICK_NS = 1_000  # what one reading costs

    def __init__(
        self, loop: asyncio.AbstractEventLoop | None = None, *, start_ms: int = START_MS
    ) -> None:
        self.loop = loop or asyncio.get_running_loop()
        if not isinstance(self.loop, VirtualLoop):
            raise TypeError("a VirtualClock runs on a VirtualLoop (run_virtual)")
        self._start_ns = start_ms * NS_PER_MS
        self._ticks = 0

    def now_ns(self) -> int:
        self._ticks += 1
        return self._start_ns + round(self.loop.time() * NS_PER_S) + self._ticks * self.TICK_NS

    @property
    def now_ms(self) -> int:
        return self.now_ns() // NS_PER_MS

    async def sleep(self, seconds: float, /) -> None:
        await asyncio.sleep(seconds)

    async def sleep_until(self, instant_ns: int) -> None:
        """Sleep until the epoch instant `instant_ns` (at once if it has passed)."""
        await asyncio.sleep(max(0.0, (instant_ns - self.now_ns()) / NS_PER_S))


def run_virtual(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to completion on a fresh VirtualLoop, then close the loop."""
    loop = VirtualLoop()
    try:
        return loop.run_until_complete(main)
    finally:
        try:
            _cancel_all(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _cancel_all(loop: VirtualLoop) -> None:
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not tasks:
        return
    for task in tasks:
        task.cancel()
    # A task that ignores its cancellation and waits on nothing: leave it.
    with contextlib.suppress(Deadlock):
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
