"""How the eight entrypoints run: one persistent event loop per process, the app built once.

Lambda calls a synchronous `handler(event, context)`. `asyncio.run` per call would close the loop
and with it every client bound to it, so each container keeps one loop and one built app, and
warm invocations reuse its connections. The local stack skips this wrapper: it awaits `build`
and the app directly on its own loop, one app per simulated container.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping
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

Event = dict[str, Any]
App = Callable[[Event, Any], Awaitable[Any]]
Build = Callable[[Mapping[str, str]], Awaitable[App]]


class Entrypoint:
    """The Lambda handler for one function: `handler = Entrypoint(build)`."""

    def __init__(self, build: Build) -> None:
        self.build = build
        self._loop: asyncio.AbstractEventLoop | None = None
        self._app: App | None = None

    def __call__(self, event: Event, context: Any) -> Any:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
        if self._app is None:
            self._app = self._loop.run_until_complete(self.build(os.environ))
        return self._loop.run_until_complete(self._app(event, context))


async def close_app(app: App) -> None:
    """Release what a built app holds (clients, sessions), if it says how: `app.aclose()`.

    Lambda never needs this (a container's resources die with it); the local runtime and tests
    build and retire many apps in one process.
    """
    aclose = getattr(app, "aclose", None)
    if aclose is not None:
        await aclose()


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
        overrides = {"lambda": settings.lambda_endpoint_url} if settings.lambda_endpoint_url else {}
        return cls(
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            endpoint_overrides=overrides,
        )

    async def close(self) -> None:
        await self._stack.aclose()
        self._clients.clear()
