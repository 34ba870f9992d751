"""Asynchronous invocations retried as Lambda retries them: the plan (AWS's 60 s and 120 s, the
template's MaximumRetryAttempts and MaximumEventAgeInSeconds), then the local runtime following it
in real time on a scaled clock, and the record the on-failure destination (an SQS queue) gets."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from sniper.devstack.local.async_retries import (
    EventInvokeConfig,
    GiveUp,
    RetryAt,
    RetryTiming,
    after_failure,
)
from sniper.devstack.local.lambdas import AsyncEvent, LocalFunctions
from sniper.devstack.local.stack import LocalStack, StackOptions
from sniper.devstack.local.template import Template
from tests.integration.local.templates import (
    ECHO_DLQ,
    echo_function,
    echo_stack_options,
    reset_functions,
)

# AWS's timing on a clock 60 times faster: retries after 1 s and 2 s, a 90 s maximum age is 1.5 s.
# Why: the runtime's waits are what is tested here, and a real minute per retry would make this
# module take six minutes; the ratio of delays to event age stays as deployed.
SCALED = RetryTiming.scaled(60, why="retry waits measured in real time; 60x keeps the ratios")
# What "about" means for a wait measured on a loaded machine: never early, at most this late.
LATE_S = 0.4

AWS = EventInvokeConfig()  # Lambda's defaults: 2 retries, 6 hours


# ---------------------------------------------------------------------- the plan
def test_aws_timing_is_a_minute_then_two_and_the_default() -> None:
    assert StackOptions().retry_timing == RetryTiming.aws()
    first = after_failure(AWS, RetryTiming.aws(), enqueued_s=0, failed_s=5, failed_attempts=1)
    second = after_failure(AWS, RetryTiming.aws(), enqueued_s=0, failed_s=70, failed_attempts=2)
    third = after_failure(AWS, RetryTiming.aws(), enqueued_s=0, failed_s=195, failed_attempts=3)
    assert first == RetryAt(65.0)
    assert second == RetryAt(190.0)
    assert third == GiveUp("RetriesExhausted", 195)


def test_retries_stop_at_the_templates_maximum_attempts() -> None:
    none = EventInvokeConfig(maximum_retry_attempts=0)
    one = EventInvokeConfig(maximum_retry_attempts=1)
    aws = RetryTiming.aws()
    assert after_failure(none, aws, enqueued_s=0, failed_s=1, failed_attempts=1) == GiveUp(
        "RetriesExhausted", 1
    )
    assert after_failure(one, aws, enqueued_s=0, failed_s=1, failed_attempts=1) == RetryAt(61.0)
    assert isinstance(after_failure(one, aws, enqueued_s=0, failed_s=70, failed_attempts=2), GiveUp)


def test_a_retry_beyond_the_events_age_is_never_run() -> None:
    # The bid executor's own config: 2 retries within 300 s of the original invoke.
    executor = EventInvokeConfig.from_properties(
        Template.load().resources["BidExecutorFunction"]["Properties"]
    )
    assert executor == EventInvokeConfig(2, 300.0, "BidExecutorDeadLetterQueue")
    aws = RetryTiming.aws()
    # A first attempt that ran 200 s: its retry would come at 260 s, within the age.
    assert after_failure(executor, aws, enqueued_s=0, failed_s=200, failed_attempts=1) == RetryAt(
        260.0
    )
    # A second that ran until 250 s: its retry (370 s) would be too old; dropped at 300 s.
    assert after_failure(executor, aws, enqueued_s=0, failed_s=250, failed_attempts=2) == GiveUp(
        "EventAgeExceeded", 300.0
    )
    # An attempt that outlived the age is given up when it ends.
    assert after_failure(executor, aws, enqueued_s=0, failed_s=310, failed_attempts=1) == GiveUp(
        "EventAgeExceeded", 310
    )


def test_a_timing_other_than_aws_must_say_why() -> None:
    with pytest.raises(ValueError, match="say why"):
        RetryTiming.fast(why=" ")
    with pytest.raises(ValueError, match="say why"):
        RetryTiming("quick", (0.1,))
    scaled = RetryTiming.scaled(10, why="a test")
    assert scaled.delays_s == (6.0, 12.0) and scaled.age_scale == pytest.approx(0.1)


# ---------------------------------------------------------------------- the runtime
@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def retry_stack() -> AsyncIterator[LocalStack]:
    functions = {
        "EchoFunction": echo_function("echo", retries=2),
        "EchoAgedFunction": echo_function("echo-aged", retries=2, max_event_age=90),
        "EchoQuietFunction": echo_function("echo-quiet", retries=1, dead_letters=False),
    }
    async with LocalStack(echo_stack_options("sniper-rt", functions, SCALED)) as stack:
        yield stack


@pytest_asyncio.fixture(loop_scope="session")
async def functions(retry_stack: LocalStack) -> LocalFunctions:
    """The runtime, reset, and the dead-letter queue emptied of earlier tests' letters."""
    runtime = await reset_functions(retry_stack)
    _dead_letters(retry_stack)
    return runtime


def _dead_letters(stack: LocalStack) -> list[dict[str, Any]]:
    assert stack.aws is not None
    sqs = stack.aws.client("sqs")
    url = stack.aws.refs[ECHO_DLQ]
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _failing(functions: LocalFunctions, name: str) -> AsyncEvent:
    """An asynchronous invocation of the echo function `name` that raises."""
    queued = functions.invoke_async(name, {"respond": "raise"})
    assert queued is not None
    return queued


async def test_a_failing_event_is_retried_after_1_then_2_units_then_dead_lettered(
    retry_stack: LocalStack, functions: LocalFunctions
) -> None:
    payload = {"respond": "raise", "bidId": "bid-1"}
    queued = functions.invoke_async("EchoFunction", payload)
    assert queued is not None
    await queued.finished(timeout_s=15)

    assert queued.outcome == "RetriesExhausted"
    first, second, third = queued.attempts
    assert all(
        a.failure is not None and a.failure.error_type == "RuntimeError" for a in queued.attempts
    )
    wait_1 = (second.started_ns - first.ended_ns) / 1e9
    wait_2 = (third.started_ns - second.ended_ns) / 1e9
    assert 1.0 <= wait_1 < 1.0 + LATE_S, wait_1  # AWS: 60 s
    assert 2.0 <= wait_2 < 2.0 + LATE_S, wait_2  # AWS: 120 s

    [record] = _dead_letters(retry_stack)
    assert retry_stack.aws is not None
    assert record == queued.failure_record
    assert record["version"] == "1.0"
    assert record["requestContext"] == {
        "requestId": queued.request_id,
        "functionArn": f"{retry_stack.aws.arns['EchoFunction']}:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == payload
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"] == {
        "errorType": "RuntimeError",
        "errorMessage": "the echo function was asked to fail",
    }
    assert record["timestamp"].endswith("Z")


async def test_an_event_past_its_maximum_age_is_dropped_with_event_age_exceeded(
    retry_stack: LocalStack, functions: LocalFunctions
) -> None:
    queued = _failing(functions, "EchoAgedFunction")
    await queued.finished(timeout_s=15)
    given_up_ns = time.time_ns()

    # Age 90 s (1.5 s scaled): the first retry (60 s) fits, the second (60 + 120 s) does not.
    assert queued.outcome == "EventAgeExceeded"
    assert len(queued.attempts) == 2
    age_s = (given_up_ns - queued.enqueued_ns) / 1e9
    assert 1.5 <= age_s < 1.5 + LATE_S, age_s
    [record] = _dead_letters(retry_stack)
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 2


async def test_a_succeeding_event_runs_once_and_a_function_without_destination_records_nothing(
    retry_stack: LocalStack, functions: LocalFunctions
) -> None:
    fine = functions.invoke_async("EchoFunction", {"respond": "echo"})
    assert fine is not None
    quiet = _failing(functions, "EchoQuietFunction")
    await fine.finished()
    await quiet.finished(timeout_s=10)
    assert (fine.outcome, len(fine.attempts)) == ("succeeded", 1)
    assert (quiet.outcome, len(quiet.attempts)) == ("RetriesExhausted", 2)
    assert quiet.failure_record is None
    assert _dead_letters(retry_stack) == []


async def test_under_aws_timing_the_retry_is_a_minute_away(retry_stack: LocalStack) -> None:
    assert retry_stack.aws is not None
    runtime = LocalFunctions(retry_stack.aws)  # the default: AWS's timing
    await runtime.start()
    try:
        queued = _failing(runtime, "EchoQuietFunction")
        [attempt] = await runtime.attempts.wait_for(lambda a: a.request_id == queued.request_id)
        # The runtime plans the retry in the same step as it records the failed attempt.
        assert attempt.failure is not None and queued.retry_due_ns is not None
        due_in_s = (queued.retry_due_ns - attempt.ended_ns) / 1e9
        assert 59.9 < due_in_s < 60.1, due_in_s
        assert queued.outcome == "queued" and len(queued.attempts) == 1
    finally:
        await runtime.stop()


async def test_a_reset_drops_events_waiting_for_a_retry(
    retry_stack: LocalStack, functions: LocalFunctions
) -> None:
    queued = _failing(functions, "EchoFunction")
    await functions.attempts.wait_for(lambda a: a.request_id == queued.request_id)
    await retry_stack.reset()
    assert queued.outcome == "discarded"
    assert len(queued.attempts) == 1
    assert _dead_letters(retry_stack) == []
