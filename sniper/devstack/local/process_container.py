"""A process container: one function's app in its own OS process, which can be SIGKILLed.

The runtime starts `python -m sniper.devstack.local.container_child` with its end of a socket pair, sends
the function's handler and environment (the same `LocalFunctions.environment` an in-process
container is built with), and waits for the app to be built. Then each invocation is one message
there and one back. Step reports from the bid executor go to `on_step`, which answers whether the
executor may go on; if not, it has killed the container and the executor never hears back.

A container that dies (killed, timed out, exited) fails its invocation as Lambda reports it
(`Runtime.ExitError ... signal: killed`, `Sandbox.Timedout`) and is never used again. Children do
not outlive the runtime: the runtime retires or kills them on stop, a child exits when its socket
closes, and on Linux the kernel kills it when the runtime's process dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

import msgspec

from sniper.devstack.local import container_wire as wire
from sniper.devstack.local.async_retries import Failure
from sniper.devstack.local.containers import ContainerKind, FunctionError, InitError, Invocation

log = logging.getLogger("sniper.devstack.local.process_container")

# Lambda's init phase gets 10 s before it is retried as part of the first invocation.
INIT_TIMEOUT_S = 10.0
RETIRE_TIMEOUT_S = 5.0

StepCallback = Callable[["ProcessContainer", wire.StepReport], bool]


class ProcessContainer:
    kind = ContainerKind.PROCESS

    def __init__(
        self,
        name: str,
        function: str,
        process: asyncio.subprocess.Process,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        on_step: StepCallback,
    ) -> None:
        self.name = name
        self.function = function
        self.process = process
        self.init_ms = 0.0
        self.reports_steps = False
        self.current: Invocation | None = None
        self.killed = False
        self._reader = reader
        self._writer = writer
        self._on_step = on_step
        self._answer: asyncio.Future[wire.Returned | wire.Raised] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._exit_code: int | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    async def start(
        cls,
        *,
        name: str,
        function: str,
        function_name: str,
        handler: str,
        environment: dict[str, str],
        on_step: StepCallback,
        init_timeout_s: float = INIT_TIMEOUT_S,
    ) -> ProcessContainer:
        ours, theirs = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "sniper.devstack.local.container_child",
                str(theirs.fileno()), str(os.getpid()),
                pass_fds=(theirs.fileno(),),
                env=_process_environment(environment),
                # Out of the terminal's process group: Ctrl-C reaches the runtime, which stops
                # its containers itself.
                start_new_session=True,
            )  # fmt: skip
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        reader, writer = await asyncio.open_connection(sock=ours, limit=wire.MAX_LINE_BYTES)
        container = cls(name, function, process, reader, writer, on_step)
        await container._init(function_name, handler, environment, init_timeout_s)
        return container

    async def _init(
        self, function_name: str, handler: str, environment: dict[str, str], timeout_s: float
    ) -> None:
        init = wire.Init(
            function=self.function,
            function_name=function_name,
            handler=handler,
            environment=environment,
        )
        self._writer.write(wire.encode(init))
        try:
            async with asyncio.timeout(timeout_s):
                line = await self._reader.readline()
            first = wire.decode_from_container(line) if line else None
        except (TimeoutError, msgspec.DecodeError, ConnectionError) as exc:
            await self._destroy()
            raise InitError(self.function, Failure.raised(exc)) from exc
        if not isinstance(first, wire.Ready):
            failure = (
                Failure(first.error_type, first.message)
                if isinstance(first, wire.InitFailed)
                else Failure("Runtime.ExitError", "the container exited during init")
            )
            await self._destroy()
            raise InitError(self.function, failure)
        self.init_ms = first.init_ms
        self.reports_steps = first.reports_steps
        self._listener = asyncio.create_task(self._listen())

    @property
    def reusable(self) -> bool:
        return self._exit_code is None and not self.killed and self.process.returncode is None

    def kill(self) -> int | None:
        if self.process.returncode is None:
            self.killed = True
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        return self.pid

    async def retire(self) -> None:
        """Close its socket (it exits at once); SIGKILL it if it has not within a bound."""
        await self._destroy(graceful=True)

    async def _destroy(self, *, graceful: bool = False) -> None:
        self._writer.close()
        if not graceful:
            self.kill()
        try:
            async with asyncio.timeout(RETIRE_TIMEOUT_S):
                await self.process.wait()
        except TimeoutError:
            self.kill()
            await self.process.wait()
        if self._listener is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener

    # ------------------------------------------------------------------ invocations
    async def invoke(self, invocation: Invocation) -> Any:
        if not self.reusable:
            raise RuntimeError(f"{self.name} is dead")
        self.current = invocation
        answer = asyncio.get_running_loop().create_future()
        self._answer = answer
        message = wire.Invoke(
            request_id=invocation.request_id, event=invocation.event, timeout_s=invocation.timeout_s
        )
        try:
            self._writer.write(wire.encode(message))
            async with asyncio.timeout(invocation.timeout_s) as deadline:
                result = await answer
        except TimeoutError as exc:
            if not deadline.expired():
                raise
            # Lambda stops a timed-out invocation by resetting its environment.
            self.kill()
            failure = Failure.timed_out(invocation.request_id, invocation.timeout_s)
            raise FunctionError(self.function, failure) from exc
        finally:
            self.current = None
            self._answer = None
        if isinstance(result, wire.Raised):
            raise FunctionError(self.function, Failure(result.error_type, result.message))
        return result.value

    async def _listen(self) -> None:
        try:
            while line := await self._reader.readline():
                message = wire.decode_from_container(line)
                if isinstance(message, wire.StepReport):
                    if self._on_step(self, message) and self.reusable:
                        self._writer.write(wire.encode(wire.Proceed(seq=message.seq)))
                elif isinstance(message, wire.Returned | wire.Raised):
                    self._answered(message)
        except (ConnectionError, msgspec.DecodeError):
            log.exception("%s: the container's channel broke", self.name)
        self._exit_code = await self.process.wait()
        if self._answer is not None and not self._answer.done():
            request_id = self.current.request_id if self.current else ""
            failure = Failure.exited(request_id, _how_it_ended(self._exit_code))
            self._answer.set_exception(FunctionError(self.function, failure))

    def _answered(self, message: wire.Returned | wire.Raised) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(message)


def _how_it_ended(code: int) -> str:
    """Lambda's wording: "signal: killed", "exit status 1"."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            return f"signal: {-code}"
        return "signal: killed" if name == "SIGKILL" else f"signal: {name.lower()}"
    return f"exit status {code}"


def _process_environment(function_environment: dict[str, str]) -> dict[str, str]:
    # Unbuffered, as Lambda's runtime writes each log line out: what a killed container printed
    # before it died is not lost.
    env = {**os.environ, **function_environment, "PYTHONUNBUFFERED": "1"}
    # The child imports what this process can (a test template's handlers live in tests/).
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
    return env
