"""The eBay transport for the bid executor: `EbayTransport` over pooled asyncio-stream
connections, so the executor's path never imports aiohttp."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urlencode

from sniper.ebay.errors import Api, error_from_response
from sniper.ebay.transport import HttpAnswer, with_one_retry
from sniper.lean.http import ConnectionPool

log = logging.getLogger(__name__)


class LeanEbayHttp:
    def __init__(self, *, connect_timeout_s: float = 3.0, total_timeout_s: float = 10.0) -> None:
        self.pool = ConnectionPool(
            connect_timeout_s=connect_timeout_s, response_timeout_s=total_timeout_s
        )
        self._user_agent = "ebay-sniper/0.1"

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
    ) -> HttpAnswer:
        target = f"{url}?{urlencode(params)}" if params else url
        all_headers = {"User-Agent": self._user_agent, **headers}
        return await with_one_retry(
            lambda: self._send(api, method, target, all_headers, body or b""), retry=retry_once
        )

    async def _send(
        self, api: Api, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> HttpAnswer:
        # Connection failures and timeouts already arrive as EbayUnavailable from the wire.
        response = await self.pool.request(method, url, headers, body)
        # Method, path and status only: headers carry tokens, bodies carry codes and tokens.
        log.debug("ebay %s %s %s -> %s", api, method, url.split("?", 1)[0], response.status)
        answer = HttpAnswer(response.status, response.headers, response.body)
        if 200 <= answer.status < 300:
            return answer
        raise error_from_response(api, answer.status, answer.headers, answer.body)

    async def close(self) -> None:
        await self.pool.close()
