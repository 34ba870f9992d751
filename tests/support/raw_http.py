"""HTTP/1.1 by hand, for the test servers the warm connection is tried against."""

from __future__ import annotations

import asyncio
import contextlib
import ssl


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


class LoopbackServer:
    """An HTTP/1.1 server on 127.0.0.1 that reads each request whole and lets `respond` answer
    it; `connections` counts the connections clients opened."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self, context: ssl.SSLContext | None = None) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def respond(self, request: bytes, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False closes the connection."""
        raise NotImplementedError

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while await self.respond(await read_request(reader), writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass  # the client went away
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()
