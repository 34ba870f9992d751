"""The one aiohttp session every eBay client shares, and the one place HTTP failures get typed.

A ClientSession is bound to the event loop that created it. Lambda handlers keep one loop per
container, so the session is created lazily on the running loop and reused across warm
invocations; a second loop (tests, a CLI) simply gets its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Mapping, Sequence

import aiohttp

from sniper.ebay.errors import Api, EbayUnavailable, error_from_response
from sniper.ebay.transport import HttpAnswer, with_one_retry

log = logging.getLogger(__name__)


class EbayHttp:
    """Sends requests to eBay with a timeout, returns 2xx answers, raises typed errors."""

    def __init__(
        self,
        *,
        connect_timeout_s: float = 3.0,
        total_timeout_s: float = 10.0,
        user_agent: str = "ebay-sniper/0.1",
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        self.timeout = aiohttp.ClientTimeout(total=total_timeout_s, connect=connect_timeout_s)
        self._user_agent = user_agent
        self._trace_configs = list(trace_configs)
        self._sessions: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, aiohttp.ClientSession
        ] = weakref.WeakKeyDictionary()

    def session(self) -> aiohttp.ClientSession:
        """This loop's session, created on first use."""
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = aiohttp.ClientSession(
                timeout=self.timeout,
                headers={"User-Agent": self._user_agent},
                trace_configs=self._trace_configs or None,
                raise_for_status=False,
            )
            self._sessions[loop] = session
        return session

    async def close(self) -> None:
        """Close the running loop's session (others belong to loops we cannot await on)."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None and not session.closed:
            await session.close()

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
        """Send; return the 2xx answer or raise the typed error.

        `retry_once` is for idempotent GETs only: one more try after a 5xx, a dropped connection
        or a timeout. Never for placeProxyBid, whose retry policy belongs to the executor.
        """
        return await with_one_retry(
            lambda: self._send(api, method, url, headers, params, body), retry=retry_once
        )

    async def _send(
        self,
        api: Api,
        method: str,
        url: str,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None,
        body: bytes | None,
    ) -> HttpAnswer:
        started = time.perf_counter()
        try:
            async with self.session().request(
                method, url, headers=dict(headers), params=params, data=body
            ) as response:
                payload = await response.read()
                answer = HttpAnswer(response.status, response.headers, payload)
        except TimeoutError:
            self._log(api, method, url, None, started)
            raise EbayUnavailable(f"eBay {api} did not answer in time") from None
        except aiohttp.ClientError as exc:
            self._log(api, method, url, None, started)
            # The exception text names host and port only, never headers or bodies.
            raise EbayUnavailable(f"eBay {api} connection failed: {exc}") from None
        self._log(api, method, url, answer.status, started)
        if 200 <= answer.status < 300:
            return answer
        raise error_from_response(api, answer.status, answer.headers, answer.body)

    @staticmethod
    def _log(api: Api, method: str, url: str, status: int | None, started: float) -> None:
        # Method, path and status only: headers carry tokens, bodies carry codes and tokens.
        path = url.split("?", 1)[0]
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        log.debug("ebay %s %s %s -> %s in %sms", api, method, path, status, elapsed_ms)
