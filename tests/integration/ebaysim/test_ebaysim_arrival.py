"""The simulator stamps a request's arrival when its first bytes come in, not when it is handled."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from sniper.devstack.ebaysim import SimulatorServer

EPOCH_NS = 1_800_000_000 * 10**9


class WatchedClock:
    """A clock the test moves by hand, which says when the server first reads it."""

    def __init__(self) -> None:
        self.value = EPOCH_NS
        self.watching = False
        self.read = asyncio.Event()

    def now_ns(self) -> int:
        if self.watching:
            self.read.set()
        return self.value


async def read_response(reader: asyncio.StreamReader) -> bytes:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
    return await reader.readexactly(length)


async def test_a_request_is_stamped_when_its_first_bytes_arrive() -> None:
    clock = WatchedClock()
    async with SimulatorServer(clock=clock) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        try:
            clock.watching = True
            writer.write(b"GET /buy/browse/v1/item/v1%7C1%7C0 HTTP/1.1\r\nHost: sim\r\n")
            await asyncio.wait_for(clock.read.wait(), 5)  # the server has the first bytes
            clock.value += 40_000_000  # 40 ms pass before the rest of the head is sent
            writer.write(b"Connection: close\r\n\r\n")
            await reader.read()  # the whole answer, then the server closes
        finally:
            writer.close()
        arrivals = [e.arrived_ns for e in server.exchanges if e.path.startswith("/buy/browse")]
    assert arrivals == [EPOCH_NS]


async def test_each_request_on_a_kept_alive_connection_gets_its_own_stamp() -> None:
    clock = WatchedClock()
    request = b"GET /buy/browse/v1/item/v1%7C1%7C0 HTTP/1.1\r\nHost: sim\r\n\r\n"
    async with SimulatorServer(clock=clock) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        try:
            for step in range(3):
                clock.value = EPOCH_NS + step * 1_000_000
                writer.write(request)
                await read_response(reader)
        finally:
            writer.close()
        arrivals = [e.arrived_ns for e in server.exchanges if e.path.startswith("/buy/browse")]
    assert arrivals == [EPOCH_NS, EPOCH_NS + 1_000_000, EPOCH_NS + 2_000_000]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernel receive timestamps")
async def test_a_request_read_late_by_a_busy_loop_is_stamped_when_the_kernel_got_it() -> None:
    async with SimulatorServer() as server:  # the system clock: kernel timestamps apply
        reader, writer = await asyncio.open_connection(server.host, server.port)
        try:
            request = b"GET /buy/browse/v1/item/v1%7C1%7C0 HTTP/1.1\r\nHost: sim\r\n\r\n"
            writer.write(request)  # one answered request: the server holds the connection
            await read_response(reader)
            sent = time.time_ns()
            writer.write(request)
            # The loop the simulator runs on is busy for 50 ms (as it is when it handles a burst
            # of bids): it reads the request only afterwards.
            time.sleep(0.05)
            await read_response(reader)
        finally:
            writer.close()
        arrived = [e.arrived_ns for e in server.exchanges if e.path.startswith("/buy/")][-1]
    assert sent <= arrived < sent + 20_000_000  # not 50 ms later, when the loop got to it
