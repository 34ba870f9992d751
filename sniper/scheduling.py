"""The scheduling port: how bid management asks for a snipe to be woken up before its close.

The snipe-engine work provides the EventBridge Scheduler adapter behind this interface.
"""

from __future__ import annotations

from typing import Protocol

from sniper.domain.snipe import Snipe


class SnipeScheduler(Protocol):
    async def schedule(self, snipe: Snipe) -> str:
        """Arrange for the executor to be invoked for `snipe`; returns the schedule's name."""
        ...

    async def reschedule(self, snipe: Snipe) -> None:
        """The snipe's offset or max bid changed: update what will fire."""
        ...

    async def unschedule(self, snipe: Snipe) -> None:
        """Cancel what would fire (idempotent: a missing schedule is fine)."""
        ...
