"""The local SQS hands a delayed message to a long poll as soon as its delay runs out, as SQS does
(the wake queue's event source relies on it; moto alone answers only when its wait is over)."""

from __future__ import annotations

import asyncio
import time

from sniper.aws_clients import AwsClients
from sniper.devstack.local.aws import LocalAws
from sniper.domain.ids import new_id


async def test_a_long_poll_gets_a_delayed_message_when_its_delay_runs_out(
    local_aws: LocalAws, aws_clients: AwsClients
) -> None:
    sqs = await aws_clients.get("sqs")
    url = (await sqs.create_queue(QueueName=f"long-poll-{new_id()}"))["QueueUrl"]
    try:
        await sqs.send_message(QueueUrl=url, MessageBody="wake", DelaySeconds=1)
        sent = time.monotonic()
        # The poll starts halfway through the delay (part of the scenario, not a wait for
        # something): moto's own wait would run from here for a whole second.
        await asyncio.sleep(0.5)
        answer = await sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)
        received = time.monotonic()
        assert [m["Body"] for m in answer.get("Messages", [])] == ["wake"]
        assert 1.0 <= received - sent < 1.3, received - sent
    finally:
        await sqs.delete_queue(QueueUrl=url)
