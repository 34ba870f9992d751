"""Exactly once under crashes and AWS faults, through the whole local stack, on AWS's timing.

Crashes: each scenario snipes a simulator auction through the public API (inside the schedule
lead: the executor and its standby are dispatched at once, relay themselves through the wake
queue, and run from a quarter of a minute before the instant) and kills the container of the
invocation that claimed the snipe at one step, with a SIGKILL: no finally block, no lease
release, no email hand-off. Nothing of Lambda's comes back in time (an asynchronous invocation
is retried after a minute; a message from the wake queue reappears after its visibility timeout,
five minutes): the standby is what must save the snipe, and see that its email goes out.
Afterwards the simulator must show exactly one bid of ours, landed before the close; the snipe
and its history must say what the simulator says; the user must have exactly one email.

AWS faults: throttling and 5xx between the executor and DynamoDB, KMS and Lambda (the local
stack's fault proxy) while a snipe runs: the SDK's retries carry it, and it lands.
"""

from __future__ import annotations

import asyncio

import pytest

from sniper.devstack.local.stack import LocalStack
from sniper.executor.steps import Step
from tests.fixtures.stack import ApiUserFactory
from tests.support.trust import emails_to, observe, set_snipe

CLOSES_IN_S = 25.0
OFFSET_S = 3.0
CRASHES = {
    "after the claim": Step.CLAIMED,
    "while waiting": Step.WAITING,
    "one second before the firing instant": Step.BEFORE_FIRE,
    "right after sending": Step.SENT,
    "before the settle write": Step.BEFORE_SETTLE_WRITE,
    "after the settle write, before the email": Step.SETTLED,
}


@pytest.mark.slow
async def test_a_container_killed_at_any_step_still_bids_once_and_tells_once(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    functions = clean_stack.functions
    assert functions is not None and clean_stack.postmark is not None
    users = [await api_user(name=f"Crash {i}") for i in range(len(CRASHES))]
    lots = await asyncio.gather(
        *(
            set_snipe(clean_stack, user, name, closes_in_s=CLOSES_IN_S, offset_s=OFFSET_S)
            for user, name in zip(users, CRASHES, strict=True)
        )
    )
    for lot, step in zip(lots, CRASHES.values(), strict=True):
        # Only the first invocation to get there: the claimer. The standby then takes over.
        functions.kill_at(step, bid_id=lot.bid_id, times=1)
    kills = await asyncio.gather(
        *(functions.killed(bid_id=lot.bid_id, timeout_s=CLOSES_IN_S + 30) for lot in lots)
    )
    for (name, step), kill in zip(CRASHES.items(), kills, strict=True):
        assert kill.step is step, name
    for name, lot in zip(CRASHES, lots, strict=True):
        seen = await observe(clean_stack, lot, within_s=CLOSES_IN_S + 90)
        assert seen.landed and seen.after_close == 0, (name, seen)
        assert seen.outcome_true, (name, seen)

    # One email each, however the run that owed it died: the standby that saw the snipe
    # settled hands the email over once the hand-over window passed without the notifier's record.
    await clean_stack.postmark.wait_for(len(CRASHES), timeout_s=40)
    for name, lot in zip(CRASHES, lots, strict=True):
        mail = emails_to(clean_stack, lot.email)
        assert len(mail) == 1, (name, [m["Subject"] for m in mail])


@pytest.mark.slow
async def test_throttling_and_5xx_between_the_executor_and_aws_do_not_lose_the_snipe(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    faults = clean_stack.aws_faults
    assert faults is not None and clean_stack.postmark is not None
    user = await api_user(name="Throttled")
    lot = await set_snipe(
        clean_stack, user, "A lot through a throttled AWS", closes_in_s=CLOSES_IN_S,
        offset_s=OFFSET_S,
    )  # fmt: skip
    # From now on (the snipe is stored and scheduled), AWS misbehaves for the executor.
    faults.add("dynamodb", "PutItem", error="ProvisionedThroughputExceededException", count=3)
    faults.add("dynamodb", "GetItem", status=500, count=2)
    faults.add("dynamodb", "PutItem", status=503, count=2, apply="after")  # written, answer lost
    faults.add("kms", "Decrypt", error="ThrottlingException", count=2)
    faults.add("lambda", "Invoke", status=429, error="TooManyRequestsException", count=1)
    faults.add("sqs", "SendMessage", status=500, count=1)  # a relay to the wake queue

    seen = await observe(clean_stack, lot, within_s=CLOSES_IN_S + 90)
    assert seen.landed and seen.after_close == 0 and seen.outcome_true, seen
    assert len(faults.injected) >= 8, faults.injected
    await clean_stack.postmark.wait_for(1, timeout_s=30)
    assert len(emails_to(clean_stack, lot.email)) == 1
