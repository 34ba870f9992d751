"""Lambda's event source mappings for SQS, as template.yaml declares them (`Events: Type: SQS`).

Like Lambda's pollers: each mapped queue is long-polled; a batch of messages (up to the event's
BatchSize) is handed to the function as one synchronous invocation in a container of its own, the
pollers not waiting for it; the messages are deleted when the invocation succeeds, and left to
reappear after the queue's visibility timeout when it fails (moto keeps that clock, and the
queue's redrive policy). SQS itself keeps each message's DelaySeconds: the executor's wake queue
(sniper/wake.py) relies on that, so here it is moto's, not ours (with its long poll made to see a
delay run out, `sqs_long_poll`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.containers import FunctionError
from sniper.devstack.local.journal import Journal
from sniper.devstack.local.lambdas import LocalFunctions

log = logging.getLogger("sniper.devstack.local.event_sources")

# How long one receive waits for a message (SQS's long polling, at most 20 s). Short, so a stop
# or a reset is not kept waiting; the delay of a message is kept by the queue, not by this.
POLL_WAIT_SECONDS = 1


@dataclass(frozen=True)
class Delivery:
    """One message handed to a function: when, and whether the invocation succeeded."""

    function: str
    body: dict[str, Any]
    started_ns: int
    succeeded: bool


@dataclass(frozen=True)
class SqsMapping:
    function: str  # logical id
    queue: str  # logical id
    batch_size: int


def sqs_mappings(resources: Mapping[str, Any]) -> list[SqsMapping]:
    """The SQS event sources the template's functions declare."""
    found = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            queue = event["Properties"]["Queue"]["Fn::GetAtt"][0]
            found.append(
                SqsMapping(logical_id, queue, int(event["Properties"].get("BatchSize", 10)))
            )
    return found


class SqsEventSources:
    def __init__(self, aws: LocalAws, functions: LocalFunctions) -> None:
        self.aws = aws
        self.functions = functions
        self.mappings = sqs_mappings(aws.template.resources)
        # Recorded when the invocation ends; a test waits on it (a standby runs past the close).
        self.deliveries: Journal[Delivery] = Journal("SQS deliveries")
        # Messages sent before this (epoch ms) belong to a world a reset forgot: dropped unseen.
        self._forget_before_ms = 0
        self._sqs = aws.client("sqs")
        self._pollers: list[asyncio.Task[None]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        for mapping in self.mappings:
            self._pollers.append(asyncio.create_task(self._poll(mapping)))

    async def stop(self) -> None:
        for task in [*self._pollers, *self._running]:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._pollers, *self._running, return_exceptions=True)
        self._pollers.clear()

    def forget(self) -> None:
        """Drop every message sent so far, even those still delayed, and the record (between
        tests: SQS allows one PurgeQueue a minute, and a purge would not reach a delayed one)."""
        self._forget_before_ms = time.time_ns() // 1_000_000 + 1
        self.deliveries.clear()

    async def _poll(self, mapping: SqsMapping) -> None:
        url = self.aws.refs[mapping.queue]
        arn = self.aws.arns[mapping.queue]
        while True:
            try:
                answer = await asyncio.to_thread(
                    self._sqs.receive_message,
                    QueueUrl=url,
                    MaxNumberOfMessages=min(mapping.batch_size, 10),
                    WaitTimeSeconds=POLL_WAIT_SECONDS,
                    AttributeNames=["All"],
                )
            except Exception:  # moto restarting under a test, or stopping: look again
                log.exception("polling %s failed", mapping.queue)
                await asyncio.sleep(POLL_WAIT_SECONDS)
                continue
            messages = answer.get("Messages", [])
            stale = [m for m in messages if self._sent_ms(m) < self._forget_before_ms]
            if stale:
                await self._delete(url, stale)
                messages = [m for m in messages if m not in stale]
            if messages:
                task = asyncio.create_task(self._deliver(mapping, url, arn, messages))
                self._running.add(task)
                task.add_done_callback(self._running.discard)

    async def _deliver(
        self, mapping: SqsMapping, url: str, arn: str, messages: list[dict[str, Any]]
    ) -> None:
        event = {"Records": [self._record(message, arn) for message in messages]}
        started_ns = time.time_ns()
        try:
            await self.functions.invoke(mapping.function, event)
        except FunctionError:
            log.warning("%s failed on %d SQS message(s); they will reappear", mapping.function,
                        len(messages))  # fmt: skip
            self._record_deliveries(mapping, messages, started_ns, succeeded=False)
            return
        self._record_deliveries(mapping, messages, started_ns, succeeded=True)
        await self._delete(url, messages)

    async def _delete(self, url: str, messages: list[dict[str, Any]]) -> None:
        await asyncio.to_thread(
            self._sqs.delete_message_batch,
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )

    @staticmethod
    def _sent_ms(message: dict[str, Any]) -> int:
        return int(message.get("Attributes", {}).get("SentTimestamp", "0"))

    def _record_deliveries(
        self,
        mapping: SqsMapping,
        messages: list[dict[str, Any]],
        started_ns: int,
        *,
        succeeded: bool,
    ) -> None:
        for message in messages:
            body = json.loads(message["Body"])
            self.deliveries.append(Delivery(mapping.function, body, started_ns, succeeded))

    def _record(self, message: dict[str, Any], arn: str) -> dict[str, Any]:
        """A record as Lambda's SQS event carries it."""
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": arn,
            "awsRegion": self.aws.region,
        }
