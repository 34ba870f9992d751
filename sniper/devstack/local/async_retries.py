"""Lambda's asynchronous event queue, as AWS runs it: when a failed event is retried, when it is
given up, and the record its on-failure destination receives.

AWS documents the timing ("How Lambda handles errors and retries with asynchronous invocation",
Lambda Developer Guide): if the function returns an error, Lambda runs it two more times, "with a
one-minute wait between the first two attempts, and two minutes between the second and third
attempts"; function errors include the runtime's own, such as timeouts. The function's
EventInvokeConfig bounds it: MaximumRetryAttempts (0-2, default 2) and MaximumEventAgeInSeconds
(60-21600, default 21600), the age counted from the original invoke. An event that runs out of
either goes to the on-failure destination with condition RetriesExhausted or EventAgeExceeded.

`RetryTiming.aws()` is that timing and the local stack's default. A test that cannot wait minutes
uses a named faster profile and says why (`RetryTiming.fast(why=...)`, `RetryTiming.scaled(...)`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

# Lambda's defaults when a function has no EventInvokeConfig.
DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2
DEFAULT_MAXIMUM_EVENT_AGE_S = 21_600.0

GiveUpCondition = Literal["RetriesExhausted", "EventAgeExceeded"]


@dataclass(frozen=True)
class RetryTiming:
    """How long Lambda waits before each retry of a failed asynchronous invocation.

    `delays_s[n]` is the wait after the (n+1)th failed attempt; `age_scale` multiplies the
    function's MaximumEventAgeInSeconds (1 except in a scaled profile). Build one through its
    named constructors: `aws()` is the default, the others need a reason.
    """

    name: str
    delays_s: tuple[float, ...]
    age_scale: float = 1.0
    why: str = ""

    def __post_init__(self) -> None:
        if not self.delays_s or any(delay < 0 for delay in self.delays_s):
            raise ValueError("delays_s: at least one delay, none negative")
        if self.age_scale <= 0:
            raise ValueError("age_scale must be positive")
        if self.name != "aws" and not self.why.strip():
            raise ValueError(f"the {self.name!r} retry timing is not AWS's: say why it is used")

    @classmethod
    def aws(cls) -> RetryTiming:
        """AWS's timing: about 1 minute before the first retry, 2 minutes before the second."""
        return cls("aws", (60.0, 120.0))

    @classmethod
    def fast(cls, *, why: str) -> RetryTiming:
        """Retries after 50 ms and 100 ms, the event's maximum age unchanged: for tests in which
        a retry happens but its timing is not what is tested."""
        return cls("fast", (0.05, 0.1), why=why)

    @classmethod
    def scaled(cls, factor: float, *, why: str) -> RetryTiming:
        """AWS's timing on a clock `factor` times faster: both delays and the maximum event age
        shrink together, so which retries fit within the age stays as deployed."""
        if factor <= 0:
            raise ValueError("factor must be positive")
        aws = cls.aws()
        return cls(
            f"aws/{factor:g}",
            tuple(delay / factor for delay in aws.delays_s),
            age_scale=1 / factor,
            why=why,
        )

    def delay_after(self, failed_attempts: int) -> float:
        """The wait before the next attempt, once `failed_attempts` attempts have failed."""
        return self.delays_s[min(failed_attempts, len(self.delays_s)) - 1]

    def describe(self) -> str:
        delays = ", ".join(f"{delay:g} s" for delay in self.delays_s)
        scale = f", event age x{self.age_scale:g}" if self.age_scale != 1 else ""
        reason = f" ({self.why})" if self.why else ""
        return f"{self.name}: retries after {delays}{scale}{reason}"


@dataclass(frozen=True)
class EventInvokeConfig:
    """A function's EventInvokeConfig from template.yaml (Lambda's defaults where it is silent)."""

    maximum_retry_attempts: int = DEFAULT_MAXIMUM_RETRY_ATTEMPTS
    maximum_event_age_s: float = DEFAULT_MAXIMUM_EVENT_AGE_S
    on_failure_queue: str | None = None  # the logical id of the SQS queue, if any

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> EventInvokeConfig:
        config: Mapping[str, Any] = properties.get("EventInvokeConfig") or {}
        on_failure = (config.get("DestinationConfig") or {}).get("OnFailure") or {}
        queue: str | None = None
        if on_failure:
            if on_failure.get("Type", "SQS") != "SQS":
                raise NotImplementedError(
                    f"on-failure destination of type {on_failure['Type']}: the local runtime "
                    "delivers to SQS only"
                )
            destination = on_failure["Destination"]
            queue = destination["Fn::GetAtt"][0] if isinstance(destination, dict) else None
            if queue is None:
                raise ValueError("OnFailure.Destination must be !GetAtt <Queue>.Arn")
        return cls(
            maximum_retry_attempts=int(
                config.get("MaximumRetryAttempts", DEFAULT_MAXIMUM_RETRY_ATTEMPTS)
            ),
            maximum_event_age_s=float(
                config.get("MaximumEventAgeInSeconds", DEFAULT_MAXIMUM_EVENT_AGE_S)
            ),
            on_failure_queue=queue,
        )


@dataclass(frozen=True)
class RetryAt:
    """Run the event again at this instant (seconds on the planning clock)."""

    at_s: float


@dataclass(frozen=True)
class GiveUp:
    """Stop: the event goes to the on-failure destination at `at_s`."""

    condition: GiveUpCondition
    at_s: float


def after_failure(
    config: EventInvokeConfig,
    timing: RetryTiming,
    *,
    enqueued_s: float,
    failed_s: float,
    failed_attempts: int,
) -> RetryAt | GiveUp:
    """What Lambda does once `failed_attempts` attempts of an event queued at `enqueued_s` have
    failed, the last one ending at `failed_s`."""
    if failed_attempts > config.maximum_retry_attempts:
        return GiveUp("RetriesExhausted", failed_s)
    due = failed_s + timing.delay_after(failed_attempts)
    expires = enqueued_s + config.maximum_event_age_s * timing.age_scale
    if due > expires:
        # The event is dropped when its age runs out, not when its retry would have come.
        return GiveUp("EventAgeExceeded", max(failed_s, expires))
    return RetryAt(due)


@dataclass(frozen=True)
class Failure:
    """Why one attempt failed, as Lambda's runtime reports it (errorType, errorMessage)."""

    error_type: str
    message: str

    @classmethod
    def raised(cls, exc: BaseException) -> Failure:
        return cls(type(exc).__name__, str(exc))

    @classmethod
    def timed_out(cls, request_id: str, timeout_s: float) -> Failure:
        return cls(
            "Sandbox.Timedout",
            f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds",
        )

    @classmethod
    def exited(cls, request_id: str, how: str) -> Failure:
        return cls(
            "Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited with error: {how}"
        )

    def payload(self) -> dict[str, str]:
        return {"errorMessage": self.message, "errorType": self.error_type}


def failure_record(
    *,
    request_id: str,
    function_arn: str,
    condition: GiveUpCondition,
    invoke_count: int,
    request_payload: Any,
    last_failure: Failure | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The invocation record an on-failure destination receives (AWS's documented shape)."""
    moment = now or datetime.now(UTC)
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": request_payload,
    }
    if last_failure is not None:
        record["responseContext"] = {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        }
        record["responsePayload"] = last_failure.payload()
    return record
