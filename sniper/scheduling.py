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

from sniper.domain.errors import BusinessRuleViolation, UpstreamUnavailable
from sniper.domain.snipe import Snipe
from sniper.events import SnipeDue, encode

if TYPE_CHECKING:
    from types_aiobotocore_lambda import LambdaClient
    from types_aiobotocore_scheduler import EventBridgeSchedulerClient


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


# --- the EventBridge Scheduler adapter -----------------------------------------------------------

# Context attributes the Scheduler fills into the target's Input when it fires.
EXECUTION_ID = "<aws.scheduler.execution-id>"
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
ATTEMPT_NUMBER = "<aws.scheduler.attempt-number>"

_NAME_PREFIX = "snipe-"
_NAME_MAX = 64
_UNSAFE_NAME_CHARS = re.compile(r"[^0-9A-Za-z_.-]")
# Where the close is written in the schedule's description (the local scheduler reads it back).
_CLOSE_MARK = "closes at "


class TooCloseToClose(BusinessRuleViolation):
    """The snipe would have to fire sooner than the system can reliably get ready."""

    code = "too_close_to_close"


def schedule_name(snipe: Snipe) -> str:
    """`snipe-<bidId>`: stable, so a retried create finds the one it made before."""
    name = _NAME_PREFIX + _UNSAFE_NAME_CHARS.sub("-", snipe.bid_id)
    if len(name) <= _NAME_MAX:
        return name
    digest = hashlib.sha256(snipe.bid_id.encode()).hexdigest()
    return (_NAME_PREFIX + digest)[:_NAME_MAX]


def at_expression(instant_ms: int) -> str:
    moment = datetime.fromtimestamp(instant_ms / 1000, tz=UTC)
    return f"at({moment:%Y-%m-%dT%H:%M:%S})"


def close_from_description(description: str) -> int | None:
    """The auction close (epoch ms) an adapter-made schedule's description names, if any."""
    _, mark, rest = description.partition(_CLOSE_MARK)
    if not mark:
        return None
    try:
        moment = datetime.strptime(rest.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except (ValueError, IndexError):
        return None
    return int(moment.timestamp() * 1000)


def _system_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class EventBridgeSnipeScheduler:
    """One one-time schedule per snipe, firing `lead_seconds` (or a little more) before the close.

    EventBridge Scheduler fires with `precision_seconds` granularity (60 s in AWS), so the fire
    time is rounded down: the executor wakes between `lead` and `lead + precision` before the
    close and waits the rest itself. A snipe created inside that window is handed to the
    executor at once; one that must fire in less than `min_safe_seconds` is refused.
    """

    def __init__(
        self,
        scheduler_client: EventBridgeSchedulerClient,
        lambda_client: LambdaClient,
        *,
        group_name: str,
        role_arn: str,
        executor_arn: str,
        dlq_arn: str,
        lead_seconds: int = 120,
        precision_seconds: int = 60,
        min_safe_seconds: float = 5.0,
        max_retry_attempts: int = 3,
        clock: Callable[[], int] = _system_clock_ms,
    ) -> None:
        if not 1 <= precision_seconds <= 60:
            raise ValueError("precision_seconds must be between 1 and 60")
        self.scheduler = scheduler_client
        self.lambda_client = lambda_client
        self.group_name = group_name
        self.role_arn = role_arn
        self.executor_arn = executor_arn
        self.dlq_arn = dlq_arn
        self.lead_ms = lead_seconds * 1000
        self.precision_ms = precision_seconds * 1000
        self.min_safe_ms = int(min_safe_seconds * 1000)
        self.max_retry_attempts = max_retry_attempts
        self.clock = clock

    def fire_time_ms(self, snipe: Snipe) -> int:
        """When the schedule fires: at least the lead before the close, on the precision grid."""
        earliest = snipe.auction_end_ms - self.lead_ms
        return earliest - earliest % self.precision_ms

    async def schedule(self, snipe: Snipe) -> str:
        return await self._place(snipe, update=False)

    async def reschedule(self, snipe: Snipe) -> None:
        await self._place(snipe, update=True)

    async def unschedule(self, snipe: Snipe) -> None:
        name = snipe.schedule_name or schedule_name(snipe)
        try:
            await self.scheduler.delete_schedule(Name=name, GroupName=self.group_name)
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                return  # fired already (and deleted itself), or never made: either way gone
            raise UpstreamUnavailable(
                "EventBridge Scheduler refused to delete the schedule"
            ) from exc
        except BotoCoreError as exc:
            raise UpstreamUnavailable("EventBridge Scheduler is unreachable") from exc

    async def _place(self, snipe: Snipe, *, update: bool) -> str:
        now = self.clock()
        name = snipe.schedule_name or schedule_name(snipe)
        if snipe.fire_at_ms - now < self.min_safe_ms:
            raise TooCloseToClose(
                "the auction closes too soon to place this snipe safely "
                f"(it must fire at least {self.min_safe_ms / 1000:g} s from now)"
            )
        fire_at = self.fire_time_ms(snipe)
        # Inside the lead (or so close to it that the schedule could not be made in time):
        # wake the executor now; it waits for the instant itself.
        if fire_at <= now + self.min_safe_ms:
            if update:
                await self.unschedule(snipe)
            await self._invoke_now(snipe)
            return name
        request = self._request(snipe, name, fire_at)
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
        return name

    def _request(self, snipe: Snipe, name: str, fire_at_ms: int) -> dict[str, Any]:
        due = msgspec.to_builtins(SnipeDue(user_id=snipe.user_id, bid_id=snipe.bid_id))
        due["executionId"] = EXECUTION_ID
        due["scheduledTime"] = SCHEDULED_TIME
        due["attemptNumber"] = ATTEMPT_NUMBER  # a string once filled; the decoder is lax
        close = datetime.fromtimestamp(snipe.auction_end_ms / 1000, tz=UTC)
        return {
            "Name": name,
            "GroupName": self.group_name,
            "ScheduleExpression": at_expression(fire_at_ms),
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "State": "ENABLED",
            "Description": f"snipe {snipe.bid_id} {_CLOSE_MARK}"
            f"{close:%Y-%m-%dT%H:%M:%S}.{close.microsecond // 1000:03d}Z",
            "Target": {
                "Arn": self.executor_arn,
                "RoleArn": self.role_arn,
                "Input": json.dumps(due, separators=(",", ":")),
                "RetryPolicy": {
                    "MaximumRetryAttempts": self.max_retry_attempts,
                    # An event older than the lead is useless: the auction is over.
                    "MaximumEventAgeInSeconds": max(60, min(86400, self.lead_ms // 1000)),
                },
                "DeadLetterConfig": {"Arn": self.dlq_arn},
            },
        }

    async def _invoke_now(self, snipe: Snipe) -> None:
        due = SnipeDue(user_id=snipe.user_id, bid_id=snipe.bid_id)
        try:
            await self.lambda_client.invoke(
                FunctionName=self.executor_arn, InvocationType="Event", Payload=encode(due)
            )
        except (ClientError, BotoCoreError) as exc:
            raise UpstreamUnavailable("could not hand the snipe to the bid executor") from exc


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
