"""Time, passed in: what reads the wall clock or waits does it through a Clock, so a test can
hand it one that moves only when told (tests/fakes/clock.py) instead of waiting in real time.

The services and the API use it; eBay's close is a wall-clock instant, so it is epoch time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final, Protocol

NS_PER_MS: Final = 1_000_000
NS_PER_S: Final = 1_000_000_000


class WallClock(Protocol):
    """Wall-clock epoch nanoseconds (what a reader of the time needs, the simulator's too)."""

    def now_ns(self) -> int: ...


class Clock(WallClock, Protocol):
    """Wall-clock epoch nanoseconds, and a way to wait."""

    async def sleep(self, seconds: float, /) -> None: ...


class SystemClock:
    """The machine's wall clock, and the event loop's timer for waiting."""

    now_ns = staticmethod(time.time_ns)
    sleep = staticmethod(asyncio.sleep)


SYSTEM_CLOCK: Final = SystemClock()


def now_ms(clock: Clock = SYSTEM_CLOCK) -> int:
    """Epoch milliseconds: what the domain stores and compares."""
    return clock.now_ns() // NS_PER_MS
