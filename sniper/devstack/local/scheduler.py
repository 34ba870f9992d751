"""The local EventBridge Scheduler: fires the one-time schedules moto only stores.

It watches the template's schedule groups in moto, and fires each `at(...)` schedule at its time
as the real service would: every schedule of every group (all pages of ListSchedules), the
target invoked as Lambda's asynchronous invoke does, the Input's
`<aws.scheduler.*>` context attributes filled in, the schedule deleted after completion
(ActionAfterCompletion DELETE). To let tests see what production will, it can add the service's
imprecision (0-59 s of jitter) and deliver a schedule several times at once (at-least-once).

The real service fires on the minute; this one honours seconds, so the local stack can run with a
short lead (SCHEDULE_LEAD_SECONDS, SCHEDULE_PRECISION_SECONDS=1).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.scheduling import ATTEMPT_NUMBER, EXECUTION_ID, SCHEDULED_TIME

log = logging.getLogger("sniper.devstack.local.scheduler")


@dataclass(frozen=True)
class Firing:
    """One schedule fired: when it was due and when (and how often) its target was invoked."""

    group: str
    name: str
    target_arn: str
    due_ms: int
    fired_ns: int
    deliveries: int
    event: Any


@dataclass
class _Pending:
    group: str
    name: str
    target_arn: str
    input_text: str
    scheduled_ms: int  # what the expression says (the `scheduled-time` attribute)
    due_ms: int  # when this scheduler will fire it (jitter, lead override)
    delete_after: bool
    version: str  # expression + input: a changed schedule is re-planned


def parse_at(expression: str, timezone: str | None = None) -> int | None:
    """`at(2024-05-01T12:00:00)` -> epoch ms; None for rate()/cron() expressions."""
    if not expression.startswith("at(") or not expression.endswith(")"):
        return None
    moment = datetime.strptime(expression[3:-1], "%Y-%m-%dT%H:%M:%S")
    zone = ZoneInfo(timezone) if timezone and timezone != "UTC" else UTC
    return int(moment.replace(tzinfo=zone).timestamp() * 1000)


class LocalScheduler:
    def __init__(
        self,
        aws: LocalAws,
        functions: LocalFunctions,
        *,
        jitter_seconds: float = 0,
        duplicate_deliveries: int = 1,
        poll_interval: float = 2.0,
        page_size: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not 0 <= jitter_seconds < 60:
            raise ValueError("jitter_seconds must be within 0-59 (the service's precision)")
        if duplicate_deliveries < 1:
            raise ValueError("duplicate_deliveries must be at least 1")
        self.aws = aws
        self.functions = functions
        self.jitter_seconds = jitter_seconds
        self.duplicate_deliveries = duplicate_deliveries
        self.poll_interval = poll_interval
        self.page_size = page_size  # ListSchedules' MaxResults; None: the service's default
        self.pages_read = 0
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self.groups = [
            aws.refs[logical_id]
            for logical_id in aws.template.of_type("AWS::Scheduler::ScheduleGroup")
        ]
        self.fired: list[Firing] = []
        self._client = aws.client("scheduler")
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._done: set[tuple[str, str, str]] = set()
        self._wake = asyncio.Event()
        self._scan_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._last_scan = 0.0
        self._fired_changed = asyncio.Condition()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        await self.rescan()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def __aenter__(self) -> LocalScheduler:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def wait_for_firings(self, count: int = 1) -> list[Firing]:
        """Wait until at least `count` schedules have fired (tests and the CLI's output)."""
        async with self._fired_changed:
            await self._fired_changed.wait_for(lambda: len(self.fired) >= count)
        return list(self.fired)

    async def rescan(self) -> None:
        """Read the schedule groups now (after creating or changing a schedule)."""
        await self._scan()
        self._wake.set()

    # ------------------------------------------------------------------ the loop
    async def _run(self) -> None:
        while True:
            now_ms = time.time_ns() // 1_000_000
            for key, pending in sorted(self._pending.items(), key=lambda kv: kv[1].due_ms):
                if pending.due_ms > now_ms:
                    break
                del self._pending[key]
                await self._fire(pending)
            # Sleep until the next schedule is due, a rescan is asked for, or it is time to look
            # at the groups again; never a tight poll.
            next_scan = self._last_scan + self.poll_interval
            wake_at = min([next_scan, *(p.due_ms / 1000 for p in self._pending.values())])
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, wake_at - time.time()))
            if time.time() >= self._last_scan + self.poll_interval:
                await self._scan()

    async def _scan(self) -> None:
        async with self._scan_lock:
            self._last_scan = time.time()
            schedules = await asyncio.to_thread(self._read_groups)
            for group, schedule in schedules:
                self._plan(group, schedule)
            seen = {(group, schedule["Name"]) for group, schedule in schedules}
            for key in set(self._pending) - seen:
                del self._pending[key]  # deleted meanwhile (the snipe was cancelled)

    def _read_groups(self) -> list[tuple[str, dict[str, Any]]]:
        """Every schedule of every group, page after page (ListSchedules answers 50 at a time
        unless told otherwise), each read whole with GetSchedule."""
        paginator = self._client.get_paginator("list_schedules")
        config = {"PageSize": self.page_size} if self.page_size else {}
        found = []
        for group in self.groups:
            for page in paginator.paginate(GroupName=group, PaginationConfig=config):
                self.pages_read += 1
                for summary in page.get("Schedules", []):
                    try:
                        schedule = self._client.get_schedule(Name=summary["Name"], GroupName=group)
                    except self._client.exceptions.ResourceNotFoundException:
                        continue  # deleted between the listing and now
                    found.append((group, schedule))
        return found

    def _plan(self, group: str, schedule: dict[str, Any]) -> None:
        if schedule.get("State", "ENABLED") != "ENABLED":
            return
        scheduled = parse_at(
            schedule["ScheduleExpression"], schedule.get("ScheduleExpressionTimezone")
        )
        if scheduled is None:
            return
        target = schedule["Target"]
        version = schedule["ScheduleExpression"] + "\0" + target.get("Input", "")
        key = (group, schedule["Name"])
        if (group, schedule["Name"], version) in self._done:
            return
        current = self._pending.get(key)
        if current is not None and current.version == version:
            return
        due = scheduled
        if self.jitter_seconds:
            due += int(self.rng.uniform(0, self.jitter_seconds) * 1000)
        self._pending[key] = _Pending(
            group=group,
            name=schedule["Name"],
            target_arn=target["Arn"],
            input_text=target.get("Input", "{}"),
            scheduled_ms=scheduled,
            due_ms=due,
            delete_after=schedule.get("ActionAfterCompletion") == "DELETE",
            version=version,
        )

    async def _fire(self, pending: _Pending) -> None:
        self._done.add((pending.group, pending.name, pending.version))
        event = self._event(pending)
        fired_ns = time.time_ns()
        for _ in range(self.duplicate_deliveries):
            try:
                self.functions.invoke_async(pending.target_arn, copy.deepcopy(event))
            except KeyError:
                log.error(
                    "schedule %s targets an unknown function %s", pending.name, pending.target_arn
                )
        if pending.delete_after:
            with contextlib.suppress(self._client.exceptions.ResourceNotFoundException):
                await asyncio.to_thread(
                    self._client.delete_schedule, Name=pending.name, GroupName=pending.group
                )
        firing = Firing(
            pending.group,
            pending.name,
            pending.target_arn,
            pending.due_ms,
            fired_ns,
            self.duplicate_deliveries,
            event,
        )
        async with self._fired_changed:
            self.fired.append(firing)
            self._fired_changed.notify_all()

    @staticmethod
    def _event(pending: _Pending) -> Any:
        scheduled = datetime.fromtimestamp(pending.scheduled_ms / 1000, tz=UTC)
        text = (
            pending.input_text.replace(EXECUTION_ID, str(uuid.uuid4()))
            .replace(SCHEDULED_TIME, f"{scheduled:%Y-%m-%dT%H:%M:%SZ}")
            .replace(ATTEMPT_NUMBER, "1")
        )
        return json.loads(text)
