"""A TCP proxy that delays each segment as an emulated network would (`_link.Link`).

Why hand-made: these machines have no netem (tc qdisc), and the thing measured is when a bid
arrives at eBay across an internet path, so the path's delay, jitter, spikes and asymmetry are
the product's own edge. Everything the executor says to eBay goes through it (OAuth, Browse,
probes, the bid); the simulator then stamps a bid's arrival when the proxy delivers it, which is
the emulated network's delivery instant.

Each accepted connection gets its own upstream connection and two pumps, one per direction. A
pump reads a segment, draws its delay from the direction's `Leg`, and hands it to that
direction's deliverer, which keeps order (`_link.InOrder`), sleeps to a millisecond before the
due instant and spins the rest (the event loop's timers are only good to a millisecond), then
writes. How late each write was against its due instant is kept: the emulation's own error,
reported next to the results.

    python -m benchmarks._delay_proxy --upstream http://127.0.0.1:8900 --out 80,10 --back 80,10 \
        [--spike 200,0.05] [--distribution normal] [--seed 1]

prints {"url": ...} when it listens, serves until its stdin closes, then prints its statistics.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from benchmarks._common import percentile
from benchmarks._link import InOrder, Leg, Link

SPIN_NS = 1_000_000  # the last millisecond before a due instant is spun, not slept
READ_SIZE = 65536


@dataclass
class ProxyStats:
    segments: int = 0
    late_ns: list[int] = field(default_factory=list)  # write instant - due instant

    def as_dict(self) -> dict[str, float]:
        late = [n / 1e6 for n in self.late_ns] or [0.0]
        return {
            "segments": self.segments,
            "late_p50_ms": percentile(late, 50),
            "late_p99_ms": percentile(late, 99),
            "late_max_ms": max(late),
        }


class DelayProxy:
    """Listens on loopback and forwards to `upstream` through `link`."""

    def __init__(self, link: Link, upstream: str, *, seed: int = 1) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.link = link
        self.rng = random.Random(seed)
        self.stats = ProxyStats()
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.url = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = await asyncio.start_server(self._connection, host, port, backlog=512)
        bound = self._server.sockets[0].getsockname()
        self.url = f"http://{bound[0]}:{bound[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _connection(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except OSError:
            client_writer.close()
            return
        pumps = [
            self._spawn(self._pump(client_reader, up_writer, self.link.out)),
            self._spawn(self._pump(up_reader, client_writer, self.link.back)),
        ]
        await asyncio.gather(*pumps, return_exceptions=True)
        for writer in (client_writer, up_writer):
            writer.close()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, leg: Leg
    ) -> None:
        queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
        deliverer = self._spawn(self._deliver(queue, writer))
        order = InOrder()
        try:
            while True:
                chunk = await reader.read(READ_SIZE)
                received = time.time_ns()
                due = order.deliver_at(received, leg.delay_ns(self.rng))
                queue.put_nowait((due, chunk))  # b"": end of stream, after what came before
                if not chunk:
                    break
        except (OSError, asyncio.IncompleteReadError):
            queue.put_nowait((0, b""))
        await deliverer

    async def _deliver(
        self, queue: asyncio.Queue[tuple[int, bytes]], writer: asyncio.StreamWriter
    ) -> None:
        while True:
            due, chunk = await queue.get()
            if not chunk:
                with contextlib.suppress(OSError):
                    if writer.can_write_eof():
                        writer.write_eof()
                return
            left = due - time.time_ns()
            if left > SPIN_NS:
                await asyncio.sleep((left - SPIN_NS) / 1e9)
            now = time.time_ns()
            while now < due:
                now = time.time_ns()
            try:
                writer.write(chunk)
            except OSError:
                return
            self.stats.segments += 1
            self.stats.late_ns.append(now - due)


def parse_leg(text: str, spike: str | None, distribution: str) -> Leg:
    """`latency,jitter` (ms) and an optional `spike_ms,share` into a Leg."""
    latency, _, jitter = text.partition(",")
    spike_ms, share = (spike or "0,0").split(",")
    return Leg(
        latency_ms=float(latency), jitter_ms=float(jitter or 0),
        spike_ms=float(spike_ms), spike_share=float(share), distribution=distribution,
    )  # fmt: skip


async def _serve(proxy: DelayProxy) -> None:
    await proxy.start()
    sys.stdout.write(json.dumps({"url": proxy.url}) + "\n")
    sys.stdout.flush()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await proxy.stop()
    sys.stdout.write(json.dumps(proxy.stats.as_dict()) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="http://host:port to forward to")
    parser.add_argument("--out", default="0,0", help="latency,jitter in ms toward upstream")
    parser.add_argument("--back", default="0,0", help="latency,jitter in ms back to the client")
    parser.add_argument("--spike", default=None, help="spike_ms,share on both directions")
    parser.add_argument("--distribution", default="uniform", choices=["uniform", "normal"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    link = Link(
        parse_leg(args.out, args.spike, args.distribution),
        parse_leg(args.back, args.spike, args.distribution),
    )
    asyncio.run(_serve(DelayProxy(link, args.upstream, seed=args.seed)))


if __name__ == "__main__":
    main()
