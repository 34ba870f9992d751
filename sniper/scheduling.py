"""The scheduling port: how bid management asks for a snipe to be woken up before its close.

`EventBridgeSnipeScheduler` (below) is the adapter behind it.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import msgspec
from botocore.exceptions import BotoCoreError, ClientError

from sniper.dispatch import Dispatch
from sniper.domain import instants
from sniper.domain.errors import BusinessRuleViolation, UpstreamUnavailable
from sniper.domain.instants import Timing
from sniper.domain.snipe import Snipe
from sniper.events import Role, SnipeDue

if TYPE_CHECKING:
    from types_aiobotocore_scheduler import EventBridgeSchedulerClient


class SnipeUnscheduler(Protocol):
    async def unschedule(self, snipe: Snipe) -> None:
        """Cancel what would fire (idempotent: a missing schedule is fine)."""
        ...


class SnipeScheduler(SnipeUnscheduler, Protocol):
    async def schedule(self, snipe: Snipe) -> str:
        """Arrange for the executor to be invoked for `snipe`; returns the schedule's name."""
        ...

    async def reschedule(self, snipe: Snipe) -> None:
        """The snipe's offset or max bid changed: update what will fire."""
        ...


# --- the EventBridge Scheduler adapter -----------------------------------------------------------

# Context attributes the Scheduler fills into the target's Input when it fires.
EXECUTION_ID = "<aws.scheduler.execution-id>"
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
ATTEMPT_NUMBER = "<aws.scheduler.attempt-number>"

_NAME_PREFIX = "snipe-"
_STANDBY_PREFIX = "standby-"
_NAME_MAX = 64
_UNSAFE_NAME_CHARS = re.compile(r"[^0-9A-Za-z_.-]")


class TooCloseToClose(BusinessRuleViolation):
    """The snipe would have to fire sooner than the system can reliably get ready."""

    code = "too_close_to_close"


def _name(prefix: str, snipe: Snipe) -> str:
    name = prefix + _UNSAFE_NAME_CHARS.sub("-", snipe.bid_id)
    if len(name) <= _NAME_MAX:
        return name
    digest = hashlib.sha256(snipe.bid_id.encode()).hexdigest()
    return (prefix + digest)[:_NAME_MAX]


def schedule_name(snipe: Snipe) -> str:
    """`snipe-<bidId>`: stable, so a retried create finds the one it made before."""
    return _name(_NAME_PREFIX, snipe)


def standby_schedule_name(snipe: Snipe) -> str:
    """`standby-<bidId>`: the snipe's second, independent trigger."""
    return _name(_STANDBY_PREFIX, snipe)


def at_expression(instant_ms: int) -> str:
    moment = datetime.fromtimestamp(instant_ms / 1000, tz=UTC)
    return f"at({moment:%Y-%m-%dT%H:%M:%S})"


def _system_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class ScheduleRemoval:
    """Deleting a snipe's two schedules: all that functions which only ever cancel (account
    removal, unlinking) need, and all they are allowed (no role to pass, no executor to name)."""

    def __init__(self, scheduler_client: EventBridgeSchedulerClient, group_name: str) -> None:
        self.scheduler = scheduler_client
        self.group_name = group_name

    async def unschedule(self, snipe: Snipe) -> None:
        """Delete both schedules (idempotent: a missing schedule is fine)."""
        for name in (snipe.schedule_name or schedule_name(snipe), standby_schedule_name(snipe)):
            try:
                await self.scheduler.delete_schedule(Name=name, GroupName=self.group_name)
            except ClientError as exc:
                if _error_code(exc) == "ResourceNotFoundException":
                    continue  # fired already (and deleted itself), or never made
                raise UpstreamUnavailable(
                    "EventBridge Scheduler refused to delete the schedule"
                ) from exc
            except BotoCoreError as exc:
                raise UpstreamUnavailable("EventBridge Scheduler is unreachable") from exc


class EventBridgeSnipeScheduler(ScheduleRemoval):
    """Two one-time schedules per snipe, at the instants sniper/domain/instants.py gives.

    The primary's fires about `schedule_lead_s` before the close, the standby's later
    (`standby_lead_s`); both on the scheduler's precision grid (60 s in AWS), so each arrives
    between its lead and its lead plus one grid step early and waits the rest itself. A schedule
    whose instant is already (nearly) due is replaced by an immediate asynchronous invocation;
    a snipe that must fire sooner than `min_lead_ms` is refused.
    """

    def __init__(
        self,
        scheduler_client: EventBridgeSchedulerClient,
        wake_now: Dispatch,
        *,
        group_name: str,
        role_arn: str,
        executor_arn: str,
        dlq_arn: str,
        timing: Timing = instants.DEFAULT,
        max_retry_attempts: int = 3,
        clock: Callable[[], int] = _system_clock_ms,
    ) -> None:
        if not 1 <= timing.schedule_precision_s <= 60:
            raise ValueError("the schedule precision must be between 1 and 60 seconds")
        super().__init__(scheduler_client, group_name)
        self.wake_now = wake_now  # the executor, invoked asynchronously (sniper/dispatch.py)
        self.role_arn = role_arn
        self.executor_arn = executor_arn
        self.dlq_arn = dlq_arn
        self.timing = timing
        self.max_retry_attempts = max_retry_attempts
        self.clock = clock

    def fire_time_ms(self, snipe: Snipe) -> int:
        """When the primary's schedule fires."""
        return instants.primary_wake_ms(snipe.auction_end_ms, self.timing)

    def standby_time_ms(self, snipe: Snipe) -> int:
        return instants.standby_wake_ms(snipe.auction_end_ms, self.timing)

    async def schedule(self, snipe: Snipe) -> str:
        return await self._place(snipe, update=False)

    async def reschedule(self, snipe: Snipe) -> None:
        await self._place(snipe, update=True)

    async def _place(self, snipe: Snipe, *, update: bool) -> str:
        now = self.clock()
        if not instants.accepts_new(snipe.auction_end_ms, snipe.offset_seconds, now, self.timing):
            raise TooCloseToClose(
                "the auction closes too soon to place this snipe safely "
                f"(it must fire at least {self.timing.min_lead_ms / 1000:g} s from now)"
            )
        name = snipe.schedule_name or schedule_name(snipe)
        triggers: tuple[tuple[Role, str, int], ...] = (
            ("primary", name, self.fire_time_ms(snipe)),
            ("standby", standby_schedule_name(snipe), self.standby_time_ms(snipe)),
        )
        for role, schedule, fire_at in triggers:
            due = SnipeDue(user_id=snipe.user_id, bid_id=snipe.bid_id, role=role)
            # Inside the lead (or so close to it that the schedule could not be made in time):
            # wake the executor now; it relays itself to its wake instant, or waits there.
            if fire_at <= now + self.timing.min_lead_ms:
                if update:
                    await self._delete(schedule)
                await self.wake_now(due)
            else:
                await self._put(self._request(snipe, due, schedule, fire_at), update=update)
        return name

    async def _put(self, request: dict[str, Any], *, update: bool) -> None:
        try:
            if update:
                try:
                    await self.scheduler.update_schedule(**request)
                except ClientError as exc:
                    if _error_code(exc) != "ResourceNotFoundException":
                        raise
                    await self.scheduler.create_schedule(**request)
            else:
                try:
                    await self.scheduler.create_schedule(**request)
                except ClientError as exc:
                    if _error_code(exc) != "ConflictException":
                        raise
                    # A retried create: make the existing schedule say what this one says.
                    await self.scheduler.update_schedule(**request)
        except ClientError as exc:
            raise UpstreamUnavailable(
                f"EventBridge Scheduler refused the schedule ({_error_code(exc)})"
            ) from exc
        except BotoCoreError as exc:
            raise UpstreamUnavailable("EventBridge Scheduler is unreachable") from exc

    async def _delete(self, name: str) -> None:
        try:
            await self.scheduler.delete_schedule(Name=name, GroupName=self.group_name)
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise UpstreamUnavailable(
                    "EventBridge Scheduler refused to delete the schedule"
                ) from exc
        except BotoCoreError as exc:
            raise UpstreamUnavailable("EventBridge Scheduler is unreachable") from exc

    def _request(self, snipe: Snipe, event: SnipeDue, name: str, fire_at_ms: int) -> dict[str, Any]:
        due = msgspec.to_builtins(event)
        due["executionId"] = EXECUTION_ID
        due["scheduledTime"] = SCHEDULED_TIME
        due["attemptNumber"] = ATTEMPT_NUMBER  # a string once filled; the decoder is lax
        return {
            "Name": name,
            "GroupName": self.group_name,
            "ScheduleExpression": at_expression(fire_at_ms),
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "State": "ENABLED",
            "Description": f"{event.role} trigger of snipe {snipe.bid_id}",
            "Target": {
                "Arn": self.executor_arn,
                "RoleArn": self.role_arn,
                "Input": json.dumps(due, separators=(",", ":")),
                "RetryPolicy": {
                    "MaximumRetryAttempts": self.max_retry_attempts,
                    # An event older than the lead is useless: the auction is over.
                    "MaximumEventAgeInSeconds": max(60, min(86400, self.timing.schedule_lead_s)),
                },
                "DeadLetterConfig": {"Arn": self.dlq_arn},
            },
        }


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
