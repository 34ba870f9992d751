"""What the eBay API modules need from HTTP: one `request` that returns a 2xx answer or raises.

`sniper.ebay.http.EbayHttp` (aiohttp) implements it; tests pass their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import NamedTuple, Protocol

from sniper.ebay.errors import Api, EbayUnavailable

# Longest we wait before the single retry of an idempotent GET; a larger Retry-After means
# "not now", which is the caller's call.
_MAX_RETRY_WAIT_S = 1.0
_DEFAULT_RETRY_WAIT_S = 0.05


class HttpAnswer(NamedTuple):
    status: int
    headers: Mapping[str, str]
    body: bytes


class EbayTransport(Protocol):
    async def request(
        self,
        api: Api,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        retry_once: bool = False,
    ) -> HttpAnswer: ...

    async def close(self) -> None: ...


async def with_one_retry(send: Callable[[], Awaitable[HttpAnswer]], *, retry: bool) -> HttpAnswer:
    """`retry` is for idempotent GETs only: one more try after a 5xx, a dropped connection or a
    timeout. Never for placeProxyBid, whose retry policy belongs to the executor."""
    try:
        return await send()
    except EbayUnavailable as first:
        if not retry or first.status == 429:
            raise
        wait = first.retry_after_s if first.retry_after_s is not None else _DEFAULT_RETRY_WAIT_S
        if wait > _MAX_RETRY_WAIT_S:
            raise
        await asyncio.sleep(wait)
        return await send()
