"""Handing an event to another function: a Lambda asynchronous (`Event`) invocation.

Lambda queues the event, retries the target on error and dead-letters what still fails, so the
sender never waits for the work. The bid executor uses this for the notification handler
(SnipeOutcome, LinkNeedsRenewal) and for handing a snipe on to a fresh invocation of itself;
bid management uses it to wake the executor at once for a snipe created inside the lead.
In local mode the same aioboto3 client reaches `sniper.devstack.local.lambdas` via LAMBDA_ENDPOINT_URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from sniper import events
from sniper.domain.errors import UpstreamUnavailable

if TYPE_CHECKING:
    from types_aiobotocore_lambda import LambdaClient

Dispatchable = events.SnipeDue | events.SnipeOutcome | events.LinkNeedsRenewal


class Dispatch(Protocol):
    async def __call__(self, event: Dispatchable) -> None: ...


class LambdaDispatch:
    """Invoke one function asynchronously with a msgspec-encoded event."""

    def __init__(self, lambda_client: LambdaClient, function_name: str) -> None:
        self.lambda_client = lambda_client
        self.function_name = function_name

    async def __call__(self, event: Dispatchable) -> None:
        try:
            await self.lambda_client.invoke(
                FunctionName=self.function_name,
                InvocationType="Event",
                Payload=events.encode(event),
            )
        except (ClientError, BotoCoreError) as exc:
            raise UpstreamUnavailable(f"cannot hand the event to {self.function_name}") from exc
