"""The wake queue: how an executor invocation that came too early hands itself to a later one.

EventBridge Scheduler fires on a one-minute grid, so the executor is woken between one and two
and a half minutes before a close; waiting that long in Lambda is most of what a snipe would cost
(benchmarks/cost.py). Instead, an early invocation sends its event to an SQS queue with a
per-message delay (whole seconds, at most 15 minutes) and ends; the queue's event source mapping
invokes the executor when the delay is over, a quarter of a minute before the instant
(sniper/domain/instants.py: `run_wake_ns`, `relay_delay_s`). Delivery is at least once, like
everything else that wakes the executor: the claim makes a duplicate harmless.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from sniper.domain.errors import UpstreamUnavailable
from sniper.events import SnipeDue, encode

if TYPE_CHECKING:
    from types_aiobotocore_sqs import SQSClient


class WakeQueue:
    def __init__(self, sqs_client: SQSClient, queue_url: str) -> None:
        self.sqs = sqs_client
        self.queue_url = queue_url

    async def later(self, due: SnipeDue, delay_s: int) -> None:
        """Deliver `due` to the executor again in `delay_s` seconds (0 to 900)."""
        try:
            await self.sqs.send_message(
                QueueUrl=self.queue_url,
                MessageBody=encode(due).decode(),
                DelaySeconds=delay_s,
            )
        except (ClientError, BotoCoreError) as exc:
            raise UpstreamUnavailable("could not put the snipe on the wake queue") from exc
