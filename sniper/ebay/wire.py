"""The bid executor's wire: one warm HTTP/1.1 keep-alive connection over asyncio streams.

Why not aiohttp here: the executor's import time is benchmarked, and the last milliseconds
before a close matter. The request is encoded in full ahead of time (`prepare`), so firing is a
single `transport.write`; `send` stamps when the bytes left for the kernel and when eBay's
answer began, which is what the timing report and the latency estimate are built on.

Deliberately free of aiohttp (and of anything importing it): keep it that way.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from sniper.ebay.errors import EbayUnavailable

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 token (method, field name)
_STATUS_LINE = re.compile(rb"^HTTP/(\d)\.(\d) (\d{3})(?: (.*))?$")
_MANAGED_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding"})
_MAX_HEADERS = 200


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


class _Head(NamedTuple):
    status: int
    keep_alive: bool
    headers: dict[str, str]


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
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"need an http(s) origin like https://api.ebay.com, not {base_url!r}")
        self._tls = parts.scheme == "https"
        self._host = parts.hostname
        default_port = 443 if self._tls else 80
        self._port = parts.port or default_port
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._host_header = host if self._port == default_port else f"{host}:{self._port}"
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
        if self._tls:
            ssl_arg = self._ssl_context or ssl.create_default_context()
        try:
            async with asyncio.timeout(self._connect_timeout_s):
                self._reader, self._writer = await asyncio.open_connection(
                    self._host,
                    self._port,
                    ssl=ssl_arg,
                    server_hostname=self._host if ssl_arg is not None else None,
                    limit=self._stream_limit,
                )
        except TimeoutError:
            raise EbayUnavailable(f"could not connect to {self._host_header} in time") from None
        except OSError as exc:
            raise EbayUnavailable(
                f"could not connect to {self._host_header}: {exc.strerror or type(exc).__name__}"
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
        """The complete request as bytes: request line, Host, caller's headers, Content-Length,
        Connection: keep-alive, blank line, body."""
        if not _TOKEN.match(method):
            raise ValueError(f"invalid HTTP method {method!r}")
        if not path.startswith("/") or any(c in path for c in " \r\n\t"):
            raise ValueError(f"path must start with / and contain no whitespace: {path!r}")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host_header}"]
        for name, value in headers.items():
            if not _TOKEN.match(name):
                raise ValueError(f"invalid header name {name!r}")
            if any(c in value for c in "\r\n\0"):
                # Never echo the value: it may be a token.
                raise ValueError(f"header {name} contains a line break")
            if name.lower() not in _MANAGED_HEADERS:
                lines.append(f"{name}: {value}")
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + body

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
            no_body = prepared.startswith(b"HEAD ")
            sent_ns = time.time_ns()
            try:
                writer.write(prepared)
                sent_ns = time.time_ns()
                async with asyncio.timeout(self._response_timeout_s):
                    await writer.drain()
                    head, answered_ns = await _read_head(reader)
                    body, framed = await _read_body(reader, head, no_body)
            except TimeoutError:
                await self.close()
                raise AnswerLost(
                    f"{self._host_header} did not answer within {self._response_timeout_s}s",
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
                    f"connection to {self._host_header} failed mid-request: {type(exc).__name__}",
                    sent_ns=sent_ns,
                ) from None
            if not (head.keep_alive and framed):
                await self.close()
            return WireResponse(head.status, head.headers, body, sent_ns, answered_ns)
        finally:
            self._busy = False


async def _read_head(reader: asyncio.StreamReader) -> tuple[_Head, int]:
    """Status line and fields; skips interim 1xx answers (100 Continue)."""
    while True:
        line = await reader.readuntil(b"\r\n")
        answered_ns = time.time_ns()
        match = _STATUS_LINE.match(line[:-2])
        if match is None:
            raise ValueError("not an HTTP/1.x status line")
        major, minor, status = int(match.group(1)), int(match.group(2)), int(match.group(3))
        headers = await _read_fields(reader)
        if 100 <= status < 200 and status != 101:
            continue
        connection = headers.get("connection", "").lower()
        if (major, minor) >= (1, 1):
            keep_alive = "close" not in connection
        else:
            keep_alive = "keep-alive" in connection
        return _Head(status, keep_alive, headers), answered_ns


async def _read_fields(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    last: str | None = None
    for _ in range(_MAX_HEADERS):
        line = (await reader.readuntil(b"\r\n"))[:-2]
        if not line:
            return headers
        text = line.decode("latin-1")
        if text[0] in " \t":  # obsolete line folding: continues the previous field
            if last is None:
                raise ValueError("continuation line before any header")
            headers[last] += " " + text.strip()
            continue
        name, sep, value = text.partition(":")
        if not sep or not _TOKEN.match(name):
            raise ValueError("malformed header line")
        last = name.lower()
        value = value.strip()
        headers[last] = f"{headers[last]}, {value}" if last in headers else value
    raise ValueError("too many header lines")


async def _read_body(
    reader: asyncio.StreamReader, head: _Head, no_body: bool
) -> tuple[bytes, bool]:
    """The body, and whether its framing leaves the connection reusable."""
    if no_body or head.status in (204, 304):
        return b"", True
    if "chunked" in head.headers.get("transfer-encoding", "").lower():
        return await _read_chunked(reader), True
    length = head.headers.get("content-length")
    if length is not None:
        # Repeated identical Content-Length fields were joined as "n, n".
        values = {v.strip() for v in length.split(",")}
        if len(values) != 1 or not next(iter(values)).isdigit():
            raise ValueError("invalid Content-Length")
        return await reader.readexactly(int(values.pop())), True
    # No framing: the body runs to the end of the connection, which then cannot be reused.
    return await reader.read(), False


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = (await reader.readuntil(b"\r\n"))[:-2]
        size_text = size_line.split(b";", 1)[0].strip()
        if not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
            raise ValueError("invalid chunk size")
        size = int(size_text, 16)
        if size == 0:
            await _read_fields(reader)  # trailers, then the blank line
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
