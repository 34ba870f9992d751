"""How the eight entrypoints run: one persistent event loop per process, the app built once.

Lambda calls a synchronous `handler(event, context)`. `asyncio.run` per call would close the loop
and with it every client bound to it, so each container keeps one loop and one built app, and
warm invocations reuse its connections. The local stack skips this wrapper: it awaits `build`
and the app directly on its own loop, one app per simulated container.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

Event = dict[str, Any]
App = Callable[[Event, Any], Awaitable[Any]]
Build = Callable[[Mapping[str, str]], Awaitable[App]]


class Entrypoint:
    """The Lambda handler for one function: `handler = Entrypoint(build)`."""

    def __init__(self, build: Build) -> None:
        self.build = build
        self._loop: asyncio.AbstractEventLoop | None = None
        self._app: App | None = None

    def __call__(self, event: Event, context: Any) -> Any:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
        if self._app is None:
            self._app = self._loop.run_until_complete(self.build(os.environ))
        return self._loop.run_until_complete(self._app(event, context))


Closer = Callable[[], Awaitable[None]]


async def close_all(closers: Sequence[Closer]) -> None:
    """Release in the reverse order of acquiring (what was built on a client goes before it)."""
    for close in reversed(closers):
        await close()


class ClosingApp:
    """An app and what it must release when its container is retired (see `close_app`)."""

    def __init__(self, handle: App, *closers: Closer) -> None:
        self.handle = handle
        self._closers = closers

    async def __call__(self, event: Event, context: Any) -> Any:
        return await self.handle(event, context)

    async def aclose(self) -> None:
        await close_all(self._closers)


async def close_app(app: App) -> None:
    """Release what a built app holds (clients, sessions), if it says how: `app.aclose()`.

    Lambda never needs this (a container's resources die with it); the local runtime and tests
    build and retire many apps in one process.
    """
    aclose = getattr(app, "aclose", None)
    if aclose is not None:
        await aclose()


class ClientSource(Protocol):
    """Where a function gets its AWS clients: `sniper.aws_clients.AwsClients` (aiobotocore)."""

    async def get(self, service: Any) -> Any: ...

    async def close(self) -> None: ...
