"""WarmConnection against a scripted HTTP/1.1 server on a real 127.0.0.1 socket."""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import AsyncIterator

import pytest

from sniper.ebay.errors import EbayUnavailable
from sniper.ebay.wire import WarmConnection
from tests.support.raw_http import LoopbackServer, ok

HANG = b"<hang>"  # script step: read the request and never answer


class ScriptedServer(LoopbackServer):
    """Answers each request with the next scripted step: raw bytes (written in pieces to
    exercise partial reads), optionally closing the connection afterwards."""

    def __init__(self) -> None:
        super().__init__()
        self.script: deque[tuple[bytes | list[bytes], bool]] = deque()
        self.requests: list[bytes] = []
        self._release = asyncio.Event()

    def answer(self, response: bytes | list[bytes], *, close: bool = False) -> None:
        self.script.append((response, close))

    async def stop(self) -> None:
        self._release.set()
        await super().stop()

    async def respond(self, request: bytes, writer: asyncio.StreamWriter) -> bool:
        self.requests.append(request)
        response, close = self.script.popleft()
        if response == HANG:
            await self._release.wait()
            return False
        for piece in response if isinstance(response, list) else [response]:
            writer.write(piece)
            await writer.drain()
        return not close


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    scripted = ScriptedServer()
    await scripted.start()
    yield scripted
    await scripted.stop()


@pytest.fixture
async def conn(server: ScriptedServer) -> AsyncIterator[WarmConnection]:
    connection = WarmConnection(f"http://127.0.0.1:{server.port}", response_timeout_s=2.0)
    yield connection
    await connection.close()


async def until_closed(connection: WarmConnection) -> None:
    """Wait (bounded) until the client has seen the server's FIN."""
    async with asyncio.timeout(2):
        while connection.is_open:
            await asyncio.sleep(0.001)


async def test_keep_alive_reuses_one_connection(
    server: ScriptedServer, conn: WarmConnection
) -> None:
    for n in range(3):
        server.answer(ok(f'{{"n":{n}}}'.encode()))
    prepared = conn.prepare("GET", "/probe", {"Authorization": "Bearer t"})
    await conn.open()
    bodies = []
    for _ in range(3):
        response = await conn.send(prepared)
        assert response.status == 200
        assert response.headers["content-type"] == "application/json"
        assert 0 < response.sent_ns <= response.answered_ns
        bodies.append(response.body)
    assert bodies == [b'{"n":0}', b'{"n":1}', b'{"n":2}']
    assert server.requests == [prepared] * 3
    assert (server.connections, conn.connects) == (1, 1)


async def test_chunked_body_with_extensions_and_trailers(
    server: ScriptedServer, conn: WarmConnection
) -> None:
    server.answer(
        [
            b'HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n{"err',
            b'\r\n1A\r\nors":[{"errorId":120008}]}\r\n0\r\nX-Trailer: t\r\n\r\n',
        ]
    )
    server.answer(ok(b"next"))
    response = await conn.send(conn.prepare("POST", "/bid", {}, b"{}"))
    assert response.status == 409
    assert response.body == b'{"errors":[{"errorId":120008}]}'
    # The connection stayed in step: the next answer is read whole and on the same socket.
    assert (await conn.send(conn.prepare("GET", "/", {}))).body == b"next"
    assert server.connections == 1


async def test_interim_100_continue_is_skipped(
    server: ScriptedServer, conn: WarmConnection
) -> None:
    server.answer(b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"done"))
    response = await conn.send(conn.prepare("POST", "/", {}, b"x"))
    assert (response.status, response.body) == (200, b"done")


async def test_folded_and_repeated_headers(server: ScriptedServer, conn: WarmConnection) -> None:
    server.answer(ok(b"", b"X-A: one\r\nX-A: two\r\nX-Long: first\r\n  second\r\n"))
    response = await conn.send(conn.prepare("GET", "/", {}))
    assert response.headers["x-a"] == "one, two"
    assert response.headers["x-long"] == "first second"


async def test_connection_close_answer_reconnects_next_time(
    server: ScriptedServer, conn: WarmConnection
) -> None:
    server.answer(ok(b"a", b"Connection: close\r\n"), close=True)
    server.answer(ok(b"b"))
    prepared = conn.prepare("GET", "/", {})
    assert (await conn.send(prepared)).body == b"a"
    assert not conn.is_open
    assert (await conn.send(prepared)).body == b"b"
    assert (server.connections, conn.connects) == (2, 2)


async def test_server_closing_an_idle_connection_is_noticed(
    server: ScriptedServer, conn: WarmConnection
) -> None:
    server.answer(ok(b"a"), close=True)  # closes without saying so, like an idle timeout
    server.answer(ok(b"b"))
    prepared = conn.prepare("GET", "/", {})
    assert (await conn.send(prepared)).body == b"a"
    await until_closed(conn)
    assert (await conn.send(prepared)).body == b"b"
    assert conn.connects == 2


async def test_unframed_body_runs_to_eof(server: ScriptedServer, conn: WarmConnection) -> None:
    server.answer(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", close=True)
    response = await conn.send(conn.prepare("GET", "/", {}))
    assert response.body == b"all of it"
    assert not conn.is_open


async def test_head_and_204_have_no_body(server: ScriptedServer, conn: WarmConnection) -> None:
    server.answer(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
    server.answer(b"HTTP/1.1 204 No Content\r\n\r\n")
    server.answer(ok(b"third"))
    assert (await conn.send(conn.prepare("HEAD", "/", {}))).body == b""
    assert (await conn.send(conn.prepare("DELETE", "/", {}))).status == 204
    assert (await conn.send(conn.prepare("GET", "/", {}))).body == b"third"
    assert server.connections == 1


async def test_no_answer_in_time_is_unavailable(server: ScriptedServer) -> None:
    server.answer(HANG)
    connection = WarmConnection(f"http://127.0.0.1:{server.port}", response_timeout_s=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(EbayUnavailable, match="did not answer"):
        await connection.send(connection.prepare("GET", "/", {}))
    assert 0.15 < loop.time() - started < 1.5
    assert not connection.is_open


@pytest.mark.parametrize(
    "garbage",
    [
        b"SPDY/3 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
async def test_malformed_answers_are_unavailable(
    server: ScriptedServer, conn: WarmConnection, garbage: bytes
) -> None:
    server.answer(garbage, close=True)
    with pytest.raises(EbayUnavailable, match="mid-request"):
        await conn.send(conn.prepare("GET", "/", {}))
    assert not conn.is_open


async def test_dropped_connection_is_unavailable(
    server: ScriptedServer, conn: WarmConnection
) -> None:
    server.answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", close=True)
    with pytest.raises(EbayUnavailable):
        await conn.send(conn.prepare("GET", "/", {}))


async def test_refused_connection_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = WarmConnection(f"http://127.0.0.1:{port}", connect_timeout_s=1.0)
    with pytest.raises(EbayUnavailable, match="could not connect"):
        await connection.open()
