"""HTTP/1.1 framing on asyncio streams: a request encoded whole ahead of time, and an answer
read off a stream (status line, fields, then a body framed by Content-Length, by chunks, or by
the end of the connection).

The warm connection (`sniper.ebay.wire`) holds the socket and the clock; this module only knows
the bytes. Deliberately free of aiohttp (the executor's import time is benchmarked): keep it so.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 token (method, field name)
_STATUS_LINE = re.compile(rb"^HTTP/(\d)\.(\d) (\d{3})(?: (.*))?$")
_MANAGED_HEADERS = frozenset({"host", "content-length", "connection", "transfer-encoding"})
_MAX_HEADERS = 200


class Origin(NamedTuple):
    """Where requests go: scheme, host and port of a base URL such as https://api.ebay.com."""

    tls: bool
    host: str
    port: int

    @classmethod
    def of(cls, base_url: str) -> Origin:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"need an http(s) origin like https://api.ebay.com, not {base_url!r}")
        tls = parts.scheme == "https"
        return cls(tls, parts.hostname, parts.port or (443 if tls else 80))

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == (443 if self.tls else 80) else f"{host}:{self.port}"


def encode_request(
    origin: Origin, method: str, path: str, headers: Mapping[str, str], body: bytes = b""
) -> bytes:
    """The complete request as bytes: request line, Host, caller's headers, Content-Length,
    Connection: keep-alive, blank line, body."""
    if not _TOKEN.match(method):
        raise ValueError(f"invalid HTTP method {method!r}")
    if not path.startswith("/") or any(c in path for c in " \r\n\t"):
        raise ValueError(f"path must start with / and contain no whitespace: {path!r}")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {origin.host_header}"]
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


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]  # lower-cased names; repeated fields joined with ", "
    body: bytes
    reusable: bool  # keep-alive, and framed so that the next answer starts where this one ends
    status_line_ns: int  # time.time_ns() when the status line arrived


class _Head(NamedTuple):
    status: int
    keep_alive: bool
    headers: dict[str, str]


async def read_answer(reader: asyncio.StreamReader, *, to_head: bool = False) -> Answer:
    """The whole answer to one request (`to_head`: a HEAD request, whose answer has no body).

    Raises ValueError for what is not HTTP/1.x, asyncio.IncompleteReadError when the stream
    ends early, asyncio.LimitOverrunError for a line longer than the reader's limit.
    """
    head, status_line_ns = await _read_head(reader)
    body, framed = await _read_body(reader, head, to_head)
    return Answer(head.status, head.headers, body, head.keep_alive and framed, status_line_ns)


async def _read_head(reader: asyncio.StreamReader) -> tuple[_Head, int]:
    """Status line and fields; skips interim 1xx answers (100 Continue)."""
    while True:
        line = await reader.readuntil(b"\r\n")
        status_line_ns = time.time_ns()
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
        return _Head(status, keep_alive, headers), status_line_ns


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
    reader: asyncio.StreamReader, head: _Head, to_head: bool
) -> tuple[bytes, bool]:
    """The body, and whether its framing leaves the connection reusable."""
    if to_head or head.status in (204, 304):
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
