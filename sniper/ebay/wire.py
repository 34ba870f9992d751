"""The bid executor's wire: one warm HTTP/1.1 keep-alive connection over asyncio streams.

Why not aiohttp here: the executor's import time is benchmarked, and the last milliseconds
before a close matter. The request is encoded in full ahead of time (`prepare`), so firing is a
single `transport.write`; `send` stamps when the bytes left for the kernel and when eBay's
answer began, which is what the timing report and the latency estimate are built on. The bytes
themselves (encoding, framing) are `sniper.ebay.http1`'s.

Deliberately free of aiohttp (and of anything importing it): keep it that way.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Mapping
from typing import NamedTuple

from sniper.ebay.errors import EbayUnavailable
from sniper.ebay.http1 import Origin, encode_request, read_answer


class AnswerLost(EbayUnavailable):
    """The request was written, then no (complete) answer came back: eBay may have acted on it."""

    def __init__(self, message: str, *, sent_ns: int) -> None:
        super().__init__(message)
        self.sent_ns = sent_ns


class WireResponse(NamedTuple):
    status: int
    headers: dict[str, str]  # lower-cased names; repeated fields joined with ", "
    body: bytes
    sent_ns: int  # time.time_ns() right after the request was handed to the transport
    answered_ns: int  # time.time_ns() when the status line arrived

    @property
    def round_trip_ns(self) -> int:
        return self.answered_ns - self.sent_ns


class WarmConnection:
    """A single keep-alive connection to one origin; one request at a time."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout_s: float = 3.0,
        response_timeout_s: float = 10.0,
        ssl_context: ssl.SSLContext | None = None,
        stream_limit: int = 2**16,
    ) -> None:
        self.origin = Origin.of(base_url)
        self._where = self.origin.host_header  # for messages: host[:port], never a path
        self._connect_timeout_s = connect_timeout_s
        self._response_timeout_s = response_timeout_s
        self._ssl_context = ssl_context
        self._stream_limit = stream_limit
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reusable = False
        self._busy = False
        self.connects = 0  # how many connections were opened: reuse is visible to callers

    @property
    def is_open(self) -> bool:
        return (
            self._reader is not None
            and self._writer is not None
            and self._reusable
            and not self._reader.at_eof()
            and not self._writer.is_closing()
        )

    async def open(self) -> None:
        """Connect (TCP, and TLS for https) unless a usable connection is already open."""
        if self.is_open:
            return
        await self.close()
        ssl_arg: ssl.SSLContext | None = None
        if self.origin.tls:
            ssl_arg = self._ssl_context or ssl.create_default_context()
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                self._reader, self._writer = await asyncio.open_connection(
                    self.origin.host,
                    self.origin.port,
                    ssl=ssl_arg,
                    server_hostname=self.origin.host if ssl_arg is not None else None,
                    limit=self._stream_limit,
                )
        except TimeoutError:
            raise EbayUnavailable(f"could not connect to {self._where} in time") from None
        except OSError as exc:
            raise EbayUnavailable(
                f"could not connect to {self._where}: {exc.strerror or type(exc).__name__}"
            ) from None
        self._reusable = True
        self.connects += 1

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        self._reusable = False
        if writer is None:
            return
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):  # the peer may have dropped it already
            await writer.wait_closed()

    async def __aenter__(self) -> WarmConnection:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def prepare(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes = b""
    ) -> bytes:
        """The complete request for this origin, encoded ahead of time (`http1.encode_request`)."""
        return encode_request(self.origin, method, path, headers, body)

    async def send(self, prepared: bytes) -> WireResponse:
        """Write the prepared request and read the whole answer.

        Reconnects first if the server has closed the idle connection. A failure after the
        write raises EbayUnavailable; the request may or may not have reached eBay, and it is
        not resent here.
        """
        if self._busy:
            raise RuntimeError("WarmConnection carries one request at a time")
        self._busy = True
        try:
            if not self.is_open:
                await self.open()
            assert self._reader is not None
            assert self._writer is not None
            reader, writer = self._reader, self._writer
            to_head = prepared.startswith(b"HEAD ")
            sent_ns = time.time_ns()
            try:
                writer.write(prepared)
                sent_ns = time.time_ns()
                async with asyncio.timeout(self._response_timeout_s):
                    await writer.drain()
                    answer = await read_answer(reader, to_head=to_head)
            except TimeoutError:
                await self.close()
                raise AnswerLost(
                    f"{self._where} did not answer within {self._response_timeout_s}s",
                    sent_ns=sent_ns,
                ) from None
            except (
                OSError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                ValueError,
            ) as exc:
                await self.close()
                raise AnswerLost(
                    f"connection to {self._where} failed mid-request: {type(exc).__name__}",
                    sent_ns=sent_ns,
                ) from None
            if not answer.reusable:
                await self.close()
            return WireResponse(
                answer.status, answer.headers, answer.body, sent_ns, answer.status_line_ns
            )
        finally:
            self._busy = False
