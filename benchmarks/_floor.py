"""The floor: the least a client can do to land a bid at an instant from Python.

One already-open keep-alive socket, the request pre-built as bytes, a coarse asyncio sleep to
the executor's own coarse margin before the instant (the loop's wake-up may be that late on a
busy machine), a busy wait on `time.time_ns()`, one write. No
latency compensation, no bookkeeping: whatever error this shows is the machine's and the
simulator's, not the executor's.
"""

from __future__ import annotations

import asyncio
import time
from typing import NamedTuple
from urllib.parse import urlsplit

from sniper.domain.money import Money
from sniper.ebay.http1 import Origin, encode_request
from sniper.ebay.offer import (
    bidding_path,
    offer_headers,
    place_proxy_bid_body,
    place_proxy_bid_path,
)
from sniper.executor.timing import COARSE_MARGIN_NS


def bid_requests(
    base_url: str, access_token: str, item_id: str, max_bid: Money
) -> tuple[bytes, bytes]:
    """(a getBidding to warm a socket with, the placeProxyBid): the bytes the executor sends."""
    origin = Origin.of(base_url)
    warm_up = encode_request(
        origin, "GET", bidding_path(item_id),
        offer_headers(access_token, "EBAY_US", with_body=False),
    )  # fmt: skip
    bid = encode_request(
        origin, "POST", place_proxy_bid_path(item_id),
        offer_headers(access_token, "EBAY_US", with_body=True), place_proxy_bid_body(max_bid),
    )  # fmt: skip
    return warm_up, bid


class FloorShot(NamedTuple):
    target_ns: int
    sent_ns: int
    status: int


class FloorClient:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self, warm_request: bytes) -> None:
        """Connect and send one request first, so the socket is as warm as the executor's."""
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(warm_request)
        await self.read_response()

    async def fire(self, request: bytes, target_ns: int) -> FloorShot:
        assert self.writer is not None
        left = target_ns - time.time_ns() - COARSE_MARGIN_NS
        if left > 0:
            await asyncio.sleep(left / 1e9)
        while time.time_ns() < target_ns:
            pass
        self.writer.write(request)
        sent = time.time_ns()
        status = await self.read_response()
        return FloorShot(target_ns, sent, status)

    async def read_response(self) -> int:
        """Status of one HTTP/1.1 response with a Content-Length body (what aiohttp sends)."""
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length:
            await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
            self.writer = self.reader = None
