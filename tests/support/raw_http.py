"""HTTP/1.1 by hand, for the test servers the warm connection is tried against."""

from __future__ import annotations

import asyncio


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One request off the stream, head and Content-Length body, as the client sent it.

    Raises asyncio.IncompleteReadError once the client has gone.
    """
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + await reader.readexactly(length)


def ok(
    body: bytes = b'{"ok":true}', extra: bytes = b"", content_type: str = "application/json"
) -> bytes:
    """A 200 answer with a Content-Length body; `extra`: more header lines, each ending CRLF."""
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n".encode()
        + extra
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
