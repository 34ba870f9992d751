"""A clock that moves only when told: `sleep` advances it at once instead of waiting."""

from __future__ import annotations

import asyncio
from typing import Protocol

from sniper.clock import NS_PER_MS, NS_PER_S

# 2025-06-15T12:00:00Z: any fixed instant; tests speak of times relative to it.
START_MS = 1_749_988_800_000


class TestClock(Protocol):
    """What the fakes read: sniper.clock.Clock, and the time in epoch ms (FakeClock, and
    tests/fakes/virtual_time.py's VirtualClock)."""

    def now_ns(self) -> int: ...

    @property
    def now_ms(self) -> int: ...

    async def sleep(self, seconds: float, /) -> None: ...


class FakeClock:
    def __init__(self, now_ms: int = START_MS) -> None:
        self._now_ns = now_ms * NS_PER_MS
        self.slept: list[float] = []

    def now_ns(self) -> int:
        return self._now_ns

    @property
    def now_ms(self) -> int:
        return self._now_ns // NS_PER_MS

    def advance(self, *, seconds: float = 0, ms: int = 0) -> None:
        self._now_ns += round(seconds * NS_PER_S) + ms * NS_PER_MS

    async def sleep(self, seconds: float, /) -> None:
        self.slept.append(seconds)
        self.advance(seconds=seconds)
        await asyncio.sleep(0)  # what a real sleep also does: let other tasks run
