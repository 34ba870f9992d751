"""Inside a process container: one function's app in its own OS process, like a Lambda container.

Run by the local runtime as `python -m sniper.devstack.local.container_child FD PARENT_PID`, FD being its
end of a socket pair (see `container_wire`). It builds the app once (the init phase), then serves
one invocation at a time for as long as the runtime keeps it warm. When the runtime's end closes
(it retired the container, or died) the process exits at once, as a dropped Lambda container
does: nothing runs after that. On Linux it also asks the kernel to SIGKILL it when its parent
dies, in case its loop is stuck.

In the bid executor's container every executor the app builds announces its steps: the step is
reported and the executor waits there until the runtime says go on (or kills the process).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import sys
import time
import traceback
from typing import Any

import msgspec

from sniper.devstack.local import container_wire as wire
from sniper.devstack.local.containers import load_entrypoint
from sniper.devstack.local.context import LocalLambdaContext
from sniper.domain.snipe import Snipe
from sniper.executor.steps import Step
from sniper.runtime import App, Entrypoint

_PR_SET_PDEATHSIG = 1


class _Container:
    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.app: App | None = None
        self.function_name = ""
        self.request_id = ""
        self._writer: asyncio.StreamWriter | None = None
        self._steps: dict[int, asyncio.Future[None]] = {}
        self._seq = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def serve(self) -> None:
        sock = socket.socket(fileno=self.fd)
        reader, self._writer = await asyncio.open_connection(sock=sock, limit=wire.MAX_LINE_BYTES)
        while True:
            line = await reader.readline()
            if not line:
                os._exit(0)  # retired, or the runtime died: no cleanup, as on Lambda
            message = wire.decode_to_container(line)
            if isinstance(message, wire.Init):
                await self._init(message)
            elif isinstance(message, wire.Invoke):
                task = asyncio.create_task(self._invoke(message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                waiting = self._steps.pop(message.seq, None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)

    async def _send(self, message: Any) -> None:
        await self._send_line(wire.encode(message))

    async def _send_line(self, line: bytes) -> None:
        assert self._writer is not None
        self._writer.write(line)
        await self._writer.drain()

    # ------------------------------------------------------------------ init
    async def _init(self, init: wire.Init) -> None:
        started = time.perf_counter()
        self.function_name = init.function_name
        try:
            entrypoint = load_entrypoint(init.handler)
            reports_steps = _builds_an_executor(entrypoint)
            if reports_steps:
                # The executor's own build, told to announce its steps to the runtime.
                from sniper.executor.app import build as build_executor_app
                from sniper.executor.engine import Hooks

                self.app = await build_executor_app(
                    init.environment, hooks=Hooks(step=self._report_step)
                )
            else:
                self.app = await entrypoint.build(init.environment)
        except Exception as exc:
            traceback.print_exc()
            await self._send(wire.InitFailed(error_type=type(exc).__name__, message=str(exc)))
            return
        init_ms = (time.perf_counter() - started) * 1000
        await self._send(wire.Ready(init_ms=init_ms, reports_steps=reports_steps))

    # ------------------------------------------------------------------ invocations
    async def _invoke(self, invoke: wire.Invoke) -> None:
        assert self.app is not None
        self.request_id = invoke.request_id
        context = LocalLambdaContext(
            self.function_name, timeout_seconds=invoke.timeout_s, aws_request_id=invoke.request_id
        )
        try:
            value = await self.app(invoke.event, context)
        except Exception as exc:
            traceback.print_exc()
            await self._send(
                wire.Raised(
                    request_id=invoke.request_id, error_type=type(exc).__name__, message=str(exc)
                )
            )
            return
        try:
            line = wire.encode(wire.Returned(request_id=invoke.request_id, value=value))
        except (TypeError, msgspec.EncodeError) as exc:
            line = wire.encode(
                wire.Raised(
                    request_id=invoke.request_id,
                    error_type="Runtime.MarshalError",
                    message=f"Unable to marshal response: {exc}",
                )
            )
        await self._send_line(line)

    async def _report_step(self, step: Step, snipe: Snipe) -> None:
        self._seq += 1
        waiting = asyncio.get_running_loop().create_future()
        self._steps[self._seq] = waiting
        await self._send(
            wire.StepReport(
                seq=self._seq,
                request_id=self.request_id,
                step=step.value,
                bid_id=snipe.bid_id,
                user_id=snipe.user_id,
                status=str(snipe.status),
            )
        )
        await waiting


def _builds_an_executor(entrypoint: Entrypoint) -> bool:
    """Is `entrypoint` the bid executor's (whose steps the runtime's kill plans name)?"""
    executor_app: Any = sys.modules.get("sniper.executor.app")
    return executor_app is not None and entrypoint.build is executor_app.build


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def main(argv: list[str] | None = None) -> None:
    fd, parent_pid = (int(value) for value in (argv if argv is not None else sys.argv[1:]))
    _die_with_parent(parent_pid)
    asyncio.run(_Container(fd).serve())


if __name__ == "__main__":
    main()
