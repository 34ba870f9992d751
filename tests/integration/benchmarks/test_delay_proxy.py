"""The delay proxy over real sockets: each direction delayed by its own leg, order kept."""

from __future__ import annotations

import asyncio
import time

from benchmarks._delay_proxy import DelayProxy
from benchmarks._link import Leg, Link

MS = 1_000_000


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer every byte with itself, stamping when each read arrived upstream."""
    while chunk := await reader.read(65536):
        arrivals.append((time.time_ns(), chunk))
        writer.write(chunk)
    writer.close()


arrivals: list[tuple[int, bytes]] = []


async def test_each_direction_is_delayed_by_its_own_latency_and_order_is_kept() -> None:
    arrivals.clear()
    upstream = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = upstream.sockets[0].getsockname()[1]
    # Jitter far larger than the gap between writes: reordering would show if it could happen.
    link = Link(Leg(latency_ms=40, jitter_ms=15), Leg(latency_ms=10))
    proxy = DelayProxy(link, f"http://127.0.0.1:{port}", seed=5)
    await proxy.start()
    try:
        host, _, proxy_port = proxy.url.removeprefix("http://").partition(":")
        reader, writer = await asyncio.open_connection(host, int(proxy_port))
        sent = time.time_ns()
        messages = [f"<{i:02d}>".encode() for i in range(20)]
        for message in messages:
            writer.write(message)
            await writer.drain()
            await asyncio.sleep(0.001)
        echoed = b""
        while len(echoed) < 80:
            echoed += await reader.read(65536)
        answered = time.time_ns()
        writer.close()
    finally:
        await proxy.stop()
        upstream.close()
    assert echoed == b"".join(messages)  # nothing overtook anything, either way
    first_arrival = arrivals[0][0] - sent
    assert 25 * MS <= first_arrival <= 60 * MS  # 40±15 out, plus a little for the sockets
    assert answered - sent >= 25 * MS + 10 * MS + 19 * MS  # out, back, and 19 writes 1 ms apart
    assert proxy.stats.segments >= 2
    assert max(proxy.stats.late_ns) < 20 * MS  # the emulation delivers close to its due instants
