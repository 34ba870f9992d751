"""Each function's containers, as Lambda keeps them: an invocation takes an idle (warm) container
or gets a new one (a cold start), so concurrent invocations never wait for one another."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sniper.devstack.local.containers import Container, ContainerKind
from sniper.devstack.local.journal import Journal

ContainerFactory = Callable[[str, str], Awaitable[Container]]  # (logical id, name) -> container


@dataclass(frozen=True)
class ColdStart:
    function: str
    container: str
    kind: ContainerKind
    init_ms: float
    at_ns: int = field(default_factory=time.time_ns)


class ContainerPool:
    def __init__(self, factory: ContainerFactory) -> None:
        self._factory = factory
        self._idle: dict[str, list[Container]] = {}
        self._busy: dict[str, set[Container]] = {}
        self._made: dict[str, int] = {}
        self.peak_busy: dict[str, int] = {}
        self.cold_starts: Journal[ColdStart] = Journal("cold starts")

    async def acquire(self, function: str) -> Container:
        idle = self._idle.setdefault(function, [])
        container: Container | None = None
        while idle and container is None:
            warm = idle.pop()
            if warm.reusable:
                container = warm
            else:  # it died while idle (its process was killed from outside)
                await warm.retire()
        if container is None:
            container = await self._make(function)
        busy = self._busy.setdefault(function, set())
        busy.add(container)
        self.peak_busy[function] = max(self.peak_busy.get(function, 0), len(busy))
        return container

    async def _make(self, function: str) -> Container:
        number = self._made[function] = self._made.get(function, 0) + 1
        container = await self._factory(function, f"{function}#{number}")
        self.cold_starts.append(
            ColdStart(function, container.name, container.kind, container.init_ms)
        )
        return container

    async def release(self, container: Container) -> None:
        """Back to idle while warm; a container that died or timed out is gone for good."""
        self._busy.get(container.function, set()).discard(container)
        if container.reusable:
            self._idle.setdefault(container.function, []).append(container)
        else:
            await container.retire()

    def busy(self, function: str) -> list[Container]:
        return list(self._busy.get(function, ()))

    def idle(self, function: str) -> list[Container]:
        return list(self._idle.get(function, ()))

    async def retire_idle(self) -> None:
        """Drop every warm container (as after a deploy): the next invocation starts anew."""
        containers = [c for idle in self._idle.values() for c in idle]
        self._idle.clear()
        await asyncio.gather(*(c.retire() for c in containers), return_exceptions=True)

    async def stop(self) -> None:
        """Kill what is running, retire what is idle."""
        for busy in self._busy.values():
            for container in busy:
                container.kill()
        running = [c for busy in self._busy.values() for c in busy]
        self._busy.clear()
        await self.retire_idle()
        with contextlib.suppress(Exception):
            await asyncio.gather(*(c.retire() for c in running), return_exceptions=True)
