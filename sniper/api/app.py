"""The HTTP app of one API function: a Powertools resolver with that function's routers.

Pydantic validation stays off (`enable_validation=False`): requests are decoded with msgspec.
Each invocation gets a correlation id (API Gateway's request id), which every log line carries
and every response returns in X-Correlation-Id.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from sniper.api.errors import install_error_map
from sniper.runtime import Closer, ClosingApp

CORRELATION_HEADER = "X-Correlation-Id"


def api_resolver(routers: Iterable[APIGatewayHttpRouter], logger: Logger) -> APIGatewayHttpResolver:
    resolver = APIGatewayHttpResolver(enable_validation=False)
    install_error_map(resolver, logger, logger.get_correlation_id)
    for router in routers:
        resolver.include_router(router)
    return resolver


class HttpApp(ClosingApp):
    """`await app(event, context)`: what the function's Entrypoint (or the local gateway) calls.

    `logger`: Powertools' JSON logger, whose records carry the correlation id once it is set."""

    def __init__(
        self, routers: Iterable[APIGatewayHttpRouter], logger: Logger, *closers: Closer
    ) -> None:
        super().__init__(self._resolve, *closers)
        self.resolver = api_resolver(routers, logger)
        self.logger = logger

    async def _resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        request_context = event.get("requestContext") or {}
        correlation_id = str(request_context.get("requestId") or uuid.uuid4())
        self.logger.set_correlation_id(correlation_id)
        started = time.perf_counter()
        response = await self.resolver.resolve_async(event, context)
        headers = response.setdefault("headers", {})
        headers[CORRELATION_HEADER] = correlation_id
        # The route key (method and template path) only: paths and queries can carry ids, and
        # a query can carry eBay's challenge code.
        self.logger.info(
            "request",
            extra={
                "route": event.get("routeKey"),
                "status": response.get("statusCode"),
                "durationMs": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response
