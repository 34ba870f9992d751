"""AWS clients for the functions, on aiobotocore (the SDK core under aioboto3): made on first
use, on the running loop, kept for the container's life.

The SDK does what a hand-made client would get wrong: the credential chain (Lambda's role
through the environment, a profile or SSO on a laptop), SigV4 signing, and retries with backoff
on throttling and 5xx. Functions pass a `RetryPolicy` for how hard to try (the bid executor: a
few quick attempts with short timeouts, because a write a second before the shot must not hang).
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session

from sniper.config import BaseSettings

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_kms import KMSClient
    from types_aiobotocore_lambda import LambdaClient
    from types_aiobotocore_scheduler import EventBridgeSchedulerClient
    from types_aiobotocore_secretsmanager import SecretsManagerClient
    from types_aiobotocore_sqs import SQSClient


@dataclass(frozen=True)
class RetryPolicy:
    """botocore's retry mode and attempts, and how long one attempt may take."""

    mode: Literal["legacy", "standard", "adaptive"] = "standard"
    max_attempts: int = 3
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0

    def config(self) -> AioConfig:
        return AioConfig(
            retries={"mode": self.mode, "max_attempts": self.max_attempts},
            connect_timeout=self.connect_timeout_s,
            read_timeout=self.read_timeout_s,
        )


# The API functions: the SDK's standard retries, patient timeouts (a user waits, not a bid).
DEFAULT_RETRIES = RetryPolicy()

_SESSION: AioSession | None = None


def _shared_session() -> AioSession:
    """One SDK session per process: it caches the service models it loads (JSON, tens of ms
    each), so a second client of a service costs little. On Lambda a process is a container."""
    global _SESSION
    if _SESSION is None:
        _SESSION = get_session()
    return _SESSION


class AwsClients:
    """aiobotocore clients made on first use, on the running loop, kept for the process's life."""

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str | None = None,
        endpoint_overrides: dict[str, str] | None = None,
        retries: RetryPolicy = DEFAULT_RETRIES,
    ) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self.endpoint_overrides = endpoint_overrides or {}
        self.retries = retries
        self._stack = AsyncExitStack()
        self._clients: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    @overload
    async def get(self, service: Literal["dynamodb"]) -> DynamoDBClient: ...
    @overload
    async def get(self, service: Literal["kms"]) -> KMSClient: ...
    @overload
    async def get(self, service: Literal["secretsmanager"]) -> SecretsManagerClient: ...
    @overload
    async def get(self, service: Literal["scheduler"]) -> EventBridgeSchedulerClient: ...
    @overload
    async def get(self, service: Literal["lambda"]) -> LambdaClient: ...
    @overload
    async def get(self, service: Literal["sqs"]) -> SQSClient: ...

    async def get(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is not None:
            return client
        async with self._lock:
            if service not in self._clients:
                self._clients[service] = await self._stack.enter_async_context(
                    _shared_session().create_client(
                        service,  # type: ignore[call-overload]
                        region_name=self.region,
                        endpoint_url=self.endpoint_overrides.get(service, self.endpoint_url),
                        config=self.retries.config(),
                    )
                )
        return self._clients[service]

    @classmethod
    def for_settings(
        cls, settings: BaseSettings, *, retries: RetryPolicy = DEFAULT_RETRIES
    ) -> AwsClients:
        return cls(
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            endpoint_overrides=settings.endpoint_overrides(),
            retries=retries,
        )

    async def close(self) -> None:
        await self._stack.aclose()
        self._clients.clear()
