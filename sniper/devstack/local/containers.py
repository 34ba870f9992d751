"""Lambda containers for the local runtime: what one invocation runs in.

Two kinds, chosen per function:
- in-process: the app built and awaited on the runtime's own loop. Fast, and what most tests
  need; but it cannot die as a Lambda container does (a timeout cancels it, so its finally blocks
  run), and it shares the process with every other in-process container.
- process (`sniper.devstack.local.process_container`): the app in its own OS process, which the runtime
  can SIGKILL (a crash, an out-of-memory, a timeout) with no cleanup in it.

Either serves one invocation at a time and is reused while warm; a container that timed out or
died is never reused (Lambda resets the execution environment).
"""

from __future__ import annotations

import asyncio
import enum
import importlib
from dataclasses import dataclass
from typing import Any, Protocol

from sniper.devstack.local.async_retries import Failure
from sniper.devstack.local.context import LocalLambdaContext
from sniper.runtime import App, Entrypoint, close_app


class ContainerKind(enum.StrEnum):
    IN_PROCESS = "in-process"
    PROCESS = "process"


class FunctionError(Exception):
    """The invocation failed: the handler raised, timed out, or its container died (Lambda's
    X-Amz-Function-Error: Unhandled)."""

    def __init__(self, function: str, failure: Failure) -> None:
        super().__init__(f"{function} failed: {failure.error_type}: {failure.message}")
        self.function = function
        self.failure = failure
        self.container: str | None = None  # the container's name, once it had one


class InitError(FunctionError):
    """The container could not be made: importing the handler or building the app failed."""


@dataclass(frozen=True)
class Invocation:
    request_id: str
    event: Any
    function_name: str  # the physical name: the context's function_name
    timeout_s: float

    @property
    def bid_id(self) -> str | None:
        """The snipe the event is about, for kill plans and records (executor events)."""
        bid_id = self.event.get("bidId") if isinstance(self.event, dict) else None
        return bid_id if isinstance(bid_id, str) else None


class Container(Protocol):
    name: str  # "<logical id>#<n>", n counting the function's containers from 1
    function: str
    kind: ContainerKind
    init_ms: float
    current: Invocation | None

    @property
    def reusable(self) -> bool: ...

    async def invoke(self, invocation: Invocation) -> Any: ...

    def kill(self) -> int | None:
        """SIGKILL it now (process containers); the pid killed, or None if it cannot be."""
        ...

    async def retire(self) -> None: ...


def load_entrypoint(handler: str) -> Entrypoint:
    module_name, attribute = handler.rsplit(".", 1)
    entrypoint = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(entrypoint, Entrypoint):
        raise TypeError(f"{handler} is not an Entrypoint")
    return entrypoint


class InProcessContainer:
    kind = ContainerKind.IN_PROCESS

    def __init__(self, name: str, function: str, app: App, init_ms: float) -> None:
        self.name = name
        self.function = function
        self.app = app
        self.init_ms = init_ms
        self.current: Invocation | None = None
        self._broken = False

    @classmethod
    async def start(
        cls, name: str, function: str, handler: str, environment: dict[str, str]
    ) -> InProcessContainer:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            app = await load_entrypoint(handler).build(environment)
        except Exception as exc:
            raise InitError(function, Failure.raised(exc)) from exc
        return cls(name, function, app, (loop.time() - started) * 1000)

    @property
    def reusable(self) -> bool:
        return not self._broken

    async def invoke(self, invocation: Invocation) -> Any:
        context = LocalLambdaContext(
            invocation.function_name,
            timeout_seconds=invocation.timeout_s,
            aws_request_id=invocation.request_id,
        )
        self.current = invocation
        try:
            async with asyncio.timeout(invocation.timeout_s) as deadline:
                return await self.app(invocation.event, context)
        except TimeoutError as exc:
            if deadline.expired():
                # Cancelled, not killed: its finally blocks ran (an in-process limit).
                self._broken = True
                failure = Failure.timed_out(invocation.request_id, invocation.timeout_s)
                raise FunctionError(self.function, failure) from exc
            raise FunctionError(self.function, Failure.raised(exc)) from exc
        except Exception as exc:
            raise FunctionError(self.function, Failure.raised(exc)) from exc
        finally:
            self.current = None

    def kill(self) -> int | None:
        return None

    async def retire(self) -> None:
        await close_app(self.app)
