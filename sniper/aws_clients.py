"""aioboto3 clients for the functions: made on first use, on the running loop, kept for the
container's life. (The bid executor uses `sniper.lean.aws.LeanAwsClients` instead.)"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, Literal, overload

import aioboto3

from sniper.config import BaseSettings

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_kms import KMSClient
    from types_aiobotocore_lambda import LambdaClient
    from types_aiobotocore_scheduler import EventBridgeSchedulerClient
    from types_aiobotocore_secretsmanager import SecretsManagerClient


class AwsClients:
    """aioboto3 clients made on first use, on the running loop, and kept for the process's life."""

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str | None = None,
        endpoint_overrides: dict[str, str] | None = None,
    ) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self.endpoint_overrides = endpoint_overrides or {}
        self._stack = AsyncExitStack()
        self._clients: dict[str, Any] = {}
        self._lock = asyncio.Lock()
        self._session: Any = None

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

    async def get(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is not None:
            return client
        async with self._lock:
            if service not in self._clients:
                if self._session is None:
                    self._session = aioboto3.Session()
                self._clients[service] = await self._stack.enter_async_context(
                    self._session.client(
                        service,
                        region_name=self.region,
                        endpoint_url=self.endpoint_overrides.get(service, self.endpoint_url),
                    )
                )
        return self._clients[service]

    @classmethod
    def for_settings(cls, settings: BaseSettings) -> AwsClients:
        return cls(
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            endpoint_overrides=settings.endpoint_overrides(),
        )

    async def close(self) -> None:
        await self._stack.aclose()
        self._clients.clear()
