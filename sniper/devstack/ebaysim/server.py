"""The simulator's HTTP server: eBay's paths and the /sim/ admin API on one base URL.

One middleware does the cross-cutting work in a fixed order: take the arrival time, apply any
injected fault, and record the exchange for contract tests.

The arrival is stamped where the bytes come in, not where a handler gets to them: each
connection's protocol notes when its next request's bytes were delivered (`_StampingProtocol`),
before aiohttp parses them and before the request waits its turn on the one event loop. On Linux
with the system clock, that instant is the kernel's own receive timestamp of the waiting data
(`_KernelStamps`), so even a request the busy loop reads late is stamped when it arrived: a
hundred bids landing at once are stamped when they landed, not one handler time apart (the
single-process simulator used to stamp the hundredth of a burst ~13 ms late).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import sys
from collections.abc import Callable
from typing import Any

import msgspec
from aiohttp import web

from sniper.clock import SystemClock
from sniper.clock import WallClock as Clock
from sniper.devstack.ebaysim import (
    admin_api,
    browse_api,
    identity_api,
    oauth_api,
    offer_api,
    trading_api,
)
from sniper.devstack.ebaysim.config import SimConfig
from sniper.devstack.ebaysim.faults import FaultRule
from sniper.devstack.ebaysim.notification_api import get_public_key
from sniper.devstack.ebaysim.state import SimState
from sniper.devstack.ebaysim.wire import ARRIVED_NS, STATE_KEY, fault_response


class Exchange(msgspec.Struct, kw_only=True):
    """One request and the answer it got (status 0: the connection was dropped unanswered)."""

    arrived_ns: int
    method: str
    path: str  # decoded, as routed
    raw_path: str  # as sent, percent-encoded
    query: str  # raw query string, without "?"
    headers: list[tuple[str, str]]
    body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes
    operation: str | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


# Which API family each operation belongs to, for the error envelope of an injected fault.
_DOMAINS = {
    "getItem": "API_BROWSE", "getItemByLegacyId": "API_BROWSE",
    "getBidding": "API_OFFER", "placeProxyBid": "API_OFFER", "getUser": "API_IDENTITY",
}  # fmt: skip


def _item_of(state: SimState, request: web.Request) -> str | None:
    """The RESTful id of the auction a request is about, if its path names one."""
    named = request.match_info.get("item_id") or request.query.get("legacy_item_id")
    if not named:
        return None
    auction = state.find_auction(named)
    return auction.item_id if auction is not None else None


def build_app(state: SimState, exchanges: list[Exchange]) -> web.Application:
    @web.middleware
    async def observe(request: web.Request, handler: Any) -> web.StreamResponse:
        stamped = _arrival(request)
        request[ARRIVED_NS] = arrived = stamped if stamped is not None else state.clock.now_ns()
        body = await request.read()
        route = request.match_info.route
        operation = route.name if route.resource is not None else None
        fault = (
            state.faults.take(operation, arrived, _item_of(state, request)) if operation else None
        )
        response = await _answer(request, handler, operation, fault)
        if state.config.record_exchanges:
            exchanges.append(_exchange(request, body, response, operation, arrived))
        if response is None:
            # The transport is closed already; aiohttp's write of this placeholder goes nowhere.
            return web.Response(status=204)
        return response

    async def _answer(
        request: web.Request, handler: Any, operation: str | None, fault: FaultRule | None
    ) -> web.StreamResponse | None:
        if fault is None:
            answered: web.StreamResponse = await handler(request)
            return answered
        if fault.delay_ms:
            epoch = state.epoch
            await asyncio.sleep(fault.delay_ms / 1000)
            if state.epoch != epoch:  # reset meanwhile: this request's world is gone
                if request.transport is not None:
                    request.transport.close()
                return None
        replaced = fault.drop or fault.status is not None
        if fault.apply == "after" or not replaced:
            answered = await handler(request)
            if not replaced:
                return answered
        elif operation == "placeProxyBid":
            offer_api.log_unanswered_bid(
                request, state, await request.read(), 0 if fault.drop else fault.status or 0
            )
        attempt = request.get(offer_api.BID_ATTEMPT)
        if attempt is not None:
            attempt.status = 0 if fault.drop else fault.status or 0
        if fault.drop:
            if request.transport is not None:
                request.transport.close()
            return None
        assert fault.status is not None
        return fault_response(fault.status, _DOMAINS.get(operation or ""), fault.retry_after_s)

    app = web.Application(middlewares=[observe, admin_api.admin_errors])
    app[STATE_KEY] = state
    app.add_routes(
        [
            web.get("/oauth2/authorize", oauth_api.authorize, name="authorize"),
            web.post("/identity/v1/oauth2/token", oauth_api.token, name="token"),
            web.get(
                "/buy/browse/v1/item/get_item_by_legacy_id",
                browse_api.get_item_by_legacy_id,
                name="getItemByLegacyId",
            ),
            web.get("/buy/browse/v1/item/{item_id}", browse_api.get_item, name="getItem"),
            web.get(
                "/buy/offer/v1_beta/bidding/{item_id}", offer_api.get_bidding, name="getBidding"
            ),
            web.post(
                "/buy/offer/v1_beta/bidding/{item_id}/place_proxy_bid",
                offer_api.place_proxy_bid,
                name="placeProxyBid",
            ),
            web.get("/commerce/identity/v1/user/", identity_api.get_user, name="getUser"),
            web.post("/ws/api.dll", trading_api.handle, name="GetMyeBayBuying"),
            web.get(
                "/commerce/notification/v1/public_key/{public_key_id}",
                get_public_key,
                name="getPublicKey",
            ),
        ]
    )
    app.add_routes(admin_api.routes())
    return app


_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; SCM_TIMESTAMPNS is the same


class _KernelStamps:
    """The kernel's receive timestamp of the data waiting on a TCP socket (Linux).

    With SO_TIMESTAMPNS on, a peek (recvmsg with MSG_PEEK) just before the transport reads tells
    when the waiting bytes reached the socket; TCP merges segments that wait together and keeps
    the latest one's time. asyncio offers no hook before a read, so this replaces the
    transport's reader callback with one that peeks first (private asyncio names: where they are
    missing, `attach` returns None and the protocol stamps with the clock instead).
    """

    def __init__(self, peeker: socket.socket) -> None:
        self._peeker = peeker
        self._latest: int | None = None

    @classmethod
    def attach(cls, transport: asyncio.BaseTransport) -> _KernelStamps | None:
        if not sys.platform.startswith("linux"):
            return None
        sock = transport.get_extra_info("socket")
        read_ready: Callable[[], None] | None = getattr(transport, "_read_ready", None)
        add_reader = getattr(transport, "_add_reader", None)
        if sock is None or read_ready is None or add_reader is None:
            return None
        try:  # a duplicate descriptor of the same socket, to peek with
            peeker = socket.fromfd(sock.fileno(), sock.family, sock.type)
            peeker.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        except OSError:
            return None
        stamps = cls(peeker)

        def peek_then_read() -> None:
            stamps._peek()
            read_ready()

        # After the transport registers its own reader (it does so with call_soon too).
        asyncio.get_running_loop().call_soon(add_reader, sock.fileno(), peek_then_read)
        return stamps

    def _peek(self) -> None:
        try:
            _, ancillary, _, _ = self._peeker.recvmsg(
                1, socket.CMSG_SPACE(16), socket.MSG_PEEK | socket.MSG_DONTWAIT
            )
        except OSError:
            return
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(data) >= 16:
                seconds, nanoseconds = struct.unpack("qq", data[:16])
                self._latest = seconds * 1_000_000_000 + nanoseconds

    def take(self) -> int | None:
        """The stamp of the bytes just read, once (None: not peeked, e.g. reading resumed)."""
        latest, self._latest = self._latest, None
        return latest

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._peeker.close()


async def _keep_kernel_stamping() -> socket.socket | None:
    """Turn the kernel's receive timestamps on for as long as the returned socket stays open.

    Linux stamps received packets only while some socket asks for it, and turns that on through
    deferred work: until the work has run, packets arrive unstamped and TCP reports no stamp
    (the protocol then falls back to the clock, late for a request the loop reads late). Without
    a holder it goes off between connections too. A probe over loopback waits until it is on.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        holder.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
    except OSError:
        return None
    with contextlib.ExitStack() as probe:
        listener = probe.enter_context(socket.create_server(("127.0.0.1", 0)))
        sender = probe.enter_context(socket.create_connection(listener.getsockname(), timeout=1))
        receiver = probe.enter_context(listener.accept()[0])
        receiver.settimeout(1)
        receiver.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        for _ in range(100):  # the deferred work runs within milliseconds, a busy machine's later
            sender.sendall(b".")
            _, ancillary, _, _ = receiver.recvmsg(1, socket.CMSG_SPACE(16))
            if ancillary:
                break
            await asyncio.sleep(0.01)
    return holder


class _StampingProtocol(asyncio.Protocol):
    """aiohttp's protocol for one connection, with a note of when a request's bytes came in.

    The note is the arrival of the first bytes delivered after the previous request was taken
    up (`take_arrival`): for a client with one request at a time on a connection (ours, and
    eBay's bidders), that is when the request arrived. A request pipelined behind another has no
    note and is stamped when it is taken up, which is later, never earlier.
    """

    def __init__(self, inner: asyncio.Protocol, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock
        self._arrival: int | None = None
        self._kernel: _KernelStamps | None = None

    def take_arrival(self) -> int | None:
        arrival, self._arrival = self._arrival, None
        return arrival

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Kernel stamps are wall-clock time: only when the simulator runs on the wall clock.
        if isinstance(self._clock, SystemClock):
            self._kernel = _KernelStamps.attach(transport)
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        kernel = self._kernel.take() if self._kernel is not None else None
        if self._arrival is None:
            self._arrival = kernel if kernel is not None else self._clock.now_ns()
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._kernel is not None:
            self._kernel.close()
        self._inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


def _arrival(request: web.Request) -> int | None:
    transport = request.transport
    protocol = transport.get_protocol() if transport is not None else None
    return protocol.take_arrival() if isinstance(protocol, _StampingProtocol) else None


def _exchange(
    request: web.Request,
    body: bytes,
    response: web.StreamResponse | None,
    operation: str | None,
    arrived: int,
) -> Exchange:
    response_body = b""
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        response_body = response.body
    return Exchange(
        arrived_ns=arrived,
        method=request.method,
        path=request.path,
        raw_path=request.raw_path.split("?", 1)[0],
        query=request.query_string,
        headers=list(request.headers.items()),
        body=body,
        status=response.status if response is not None else 0,
        response_headers=list(response.headers.items()) if response is not None else [],
        response_body=response_body,
        operation=operation,
    )


class SimulatorServer:
    """The simulator on a real socket; an async context manager."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        config: SimConfig | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.state = SimState(config or SimConfig(), clock or SystemClock())
        self.exchanges: list[Exchange] = []
        self._runner: web.AppRunner | None = None
        self._server: asyncio.base_events.Server | None = None
        self._stamping: socket.socket | None = None
        self.url = ""

    async def start(self) -> None:
        if isinstance(self.state.clock, SystemClock):
            self._stamping = await _keep_kernel_stamping()
        app = build_app(self.state, self.exchanges)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        handlers = self._runner.server
        assert handlers is not None
        clock = self.state.clock
        # Not web.TCPSite: each connection's protocol is wrapped to stamp arrivals (see above).
        self._server = await asyncio.get_running_loop().create_server(
            lambda: _StampingProtocol(handlers(), clock), self.host, self.port, backlog=512
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        self.state.reset()
        server, self._server = self._server, None
        if server is not None:
            server.close()  # stop accepting; the runner closes the open connections
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if server is not None:
            await server.wait_closed()
        if self._stamping is not None:
            self._stamping.close()
            self._stamping = None

    def reset(self) -> None:
        self.state.reset()
        self.exchanges.clear()

    async def __aenter__(self) -> SimulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
