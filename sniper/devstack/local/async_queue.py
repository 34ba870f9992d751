"""Lambda's asynchronous event queue, for the local runtime: each event runs at once (in a free
container), a failed one is retried when `async_retries` says, and one given up is recorded in the
function's on-failure destination. Every event and every attempt is kept, to be waited on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sniper.devstack.local.async_retries import (
    EventInvokeConfig,
    Failure,
    GiveUp,
    RetryTiming,
    after_failure,
    failure_record,
)
from sniper.devstack.local.containers import FunctionError
from sniper.devstack.local.journal import Journal

log = logging.getLogger("sniper.devstack.local.async_queue")

# Runs one attempt of an event; the container's name, or FunctionError.
RunAttempt = Callable[["AsyncEvent"], Awaitable[str]]
# Delivers an on-failure record to a destination queue (its logical id).
SendRecord = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Attempt:
    """One run of an asynchronous event; `failure` None when it succeeded."""

    function: str
    request_id: str
    number: int
    container: str | None
    started_ns: int
    ended_ns: int
    failure: Failure | None


@dataclass
class AsyncEvent:
    """One asynchronous invocation, as Lambda's queue holds it (one request id for every try)."""

    function: str
    request_id: str
    payload: Any
    enqueued_ns: int = field(default_factory=time.time_ns)
    attempts: list[Attempt] = field(default_factory=list)
    # queued | succeeded | RetriesExhausted | EventAgeExceeded | discarded (by a reset)
    outcome: str = "queued"
    failure_record: dict[str, Any] | None = None
    # While waiting for a retry: when it is due (epoch ns).
    retry_due_ns: int | None = None
    _done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def bid_id(self) -> str | None:
        bid_id = self.payload.get("bidId") if isinstance(self.payload, dict) else None
        return bid_id if isinstance(bid_id, str) else None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    async def finished(self, timeout_s: float = 30.0) -> AsyncEvent:
        """Wait until it succeeded or was given up (at most `timeout_s`)."""
        try:
            await asyncio.wait_for(self._done.wait(), timeout_s)
        except TimeoutError:
            raise TimeoutError(
                f"{self.function} event {self.request_id}: still {self.outcome} after "
                f"{len(self.attempts)} attempt(s) and {timeout_s:g} s"
            ) from None
        return self

    def _end(self, outcome: str) -> None:
        self.outcome = outcome
        self._done.set()


class AsyncQueue:
    """The events of every function; `put` one and it runs, `drain` waits for them all."""

    def __init__(
        self,
        *,
        run: RunAttempt,
        send_record: SendRecord,
        timing: RetryTiming,
        config_for: Callable[[str], EventInvokeConfig],
        arn_of: Callable[[str], str],
    ) -> None:
        self._run = run
        self._send_record = send_record
        self.timing = timing
        self._config_for = config_for
        self._arn_of = arn_of
        self.events: Journal[AsyncEvent] = Journal("asynchronous events")
        self.attempts: Journal[Attempt] = Journal("asynchronous attempts")
        self._tasks: set[asyncio.Task[None]] = set()
        self._discarding = asyncio.Event()

    def put(self, function: str, payload: Any) -> AsyncEvent:
        queued = AsyncEvent(function, str(uuid.uuid4()), payload)
        self.events.append(queued)
        task = asyncio.create_task(self._run_async(queued, self._config_for(function)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return queued

    async def _run_async(self, queued: AsyncEvent, config: EventInvokeConfig) -> None:
        loop = asyncio.get_running_loop()
        enqueued_s = loop.time()
        while True:
            failure = await self._attempt(queued)
            if failure is None:
                queued._end("succeeded")
                return
            decision = after_failure(
                config,
                self.timing,
                enqueued_s=enqueued_s,
                failed_s=loop.time(),
                failed_attempts=len(queued.attempts),
            )
            if not isinstance(decision, GiveUp):
                queued.retry_due_ns = time.time_ns() + int((decision.at_s - loop.time()) * 1e9)
            if not await self._wait_until(decision.at_s):
                queued._end("discarded")
                return
            queued.retry_due_ns = None
            if isinstance(decision, GiveUp):
                await self._give_up(queued, config, decision, failure)
                return

    async def _attempt(self, queued: AsyncEvent) -> Failure | None:
        started_ns = time.time_ns()
        container: str | None = None
        failure: Failure | None = None
        try:
            container = await self._run(queued)
        except FunctionError as exc:
            failure, container = exc.failure, exc.container
        except Exception as exc:  # no container could be had at all: still a failed attempt
            log.exception("%s: no container for event %s", queued.function, queued.request_id)
            failure = Failure.raised(exc)
        if failure is not None:
            log.warning(
                "asynchronous invocation of %s failed (attempt %d): %s: %s",
                queued.function, len(queued.attempts) + 1, failure.error_type, failure.message,
            )  # fmt: skip
        attempt = Attempt(
            queued.function, queued.request_id, len(queued.attempts) + 1, container,
            started_ns, time.time_ns(), failure,
        )  # fmt: skip
        queued.attempts.append(attempt)
        self.attempts.append(attempt)
        return failure

    async def _wait_until(self, at_s: float) -> bool:
        """Sleep until `at_s` on the loop's clock; False if pending events are being discarded."""
        delay = at_s - asyncio.get_running_loop().time()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._discarding.wait(), max(0.0, delay))
        return not self._discarding.is_set()

    async def _give_up(
        self, queued: AsyncEvent, config: EventInvokeConfig, decision: GiveUp, failure: Failure
    ) -> None:
        log.error(
            "asynchronous event %s for %s given up: %s after %d attempt(s)",
            queued.request_id, queued.function, decision.condition, len(queued.attempts),
        )  # fmt: skip
        if config.on_failure_queue is not None:
            record = failure_record(
                request_id=queued.request_id,
                function_arn=self._arn_of(queued.function),
                condition=decision.condition,
                invoke_count=len(queued.attempts),
                request_payload=queued.payload,
                last_failure=failure,
            )
            queued.failure_record = record
            await self._send_record(config.on_failure_queue, record)
        queued._end(decision.condition)

    async def drain(self) -> None:
        """Wait until every asynchronous event (and those it started) has succeeded or been given
        up, retries included: under AWS's timing that can take minutes."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def discard_pending(self) -> None:
        """Let running attempts finish, and drop the events waiting for a retry instead of
        running them (a test's leftovers must not act in the next test)."""
        self._discarding.set()
        try:
            await self.drain()
        finally:
            self._discarding.clear()

    def clear(self) -> None:
        self.events.clear()
        self.attempts.clear()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
