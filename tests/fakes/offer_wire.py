"""eBay's Offer and Browse APIs for the bid executor, in memory, on the virtual clock.

`FakeMarket` holds auctions of the simulator's pure engine (sniper/devstack/ebaysim/engine.py),
so proxy bidding, increments and eBay's refusals (120008 too low, 120010 cannot lower, 120012
ended, 120002 bought, 120033 no bidding activity) are the rules the simulator models, not new
ones; getBidding's body is the simulator's own rendering (views.bidding). Who a request comes
from is its access token's eBay user (FakeEbayAccounts.by_token, filled by FakeOAuth when it
mints tokens): a token eBay does not know is answered 401.

`FakeMarket.connect()` is the executor's `connect`: a `FakeOfferConnection` that stands in for
sniper.ebay.wire.WarmConnection. Each request takes `latency_ms` on the way out and the same on
the way back (virtual time: run it on a VirtualLoop); eBay acts at the instant it arrives, and
the answer is stamped as WarmConnection stamps it (sent_ns, answered_ns). Opening a connection
takes `connect_round_trips` round trips before the request leaves, as a TCP and TLS handshake
does.

Faults are scripted per kind of request ("place": placeProxyBid, "probe": getBidding) with
`fail` (the next requests of that kind, one fault each) or `fail_always` (every request of that
kind until cleared). Each is one of `refuse()`, `lose_answer()`, `lose_request()`,
`answer(status)`, `throttle(retry_after_s)`, `unauthorized()`, `not_approved()`. Every request
that left is logged (`log`), with the instant it arrived and whether eBay applied it, so a test
can say when the bid arrived against the target and how many bids eBay took.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote

import msgspec

from sniper.clock import NS_PER_MS, NS_PER_S
from sniper.devstack.ebaysim import views
from sniper.devstack.ebaysim.engine import (
    Auction,
    BidRejected,
    StandingBid,
    buy_it_now,
    place_proxy_bid,
)
from sniper.domain.errors import InvalidMoney
from sniper.domain.money import Money
from sniper.ebay.browse import Item
from sniper.ebay.errors import ACCESS_DENIED, EbayUnavailable, ItemNotFound
from sniper.ebay.http1 import Origin, encode_request
from sniper.ebay.item_ids import to_rest_item_id
from sniper.ebay.wire import AnswerLost, WireResponse
from tests.fakes.ebay import FakeEbayAccounts
from tests.fakes.virtual_time import VirtualClock

Kind = Literal["place", "probe"]
ORIGIN = Origin.of("https://api.ebay.com")
_JSON = {"content-type": "application/json"}


# ---------------------------------------------------------------------- faults
@dataclass(frozen=True)
class Fault:
    """What goes wrong with one request. `applied`: eBay's logic ran before the fault (a bid
    may be on the item although the answer says nothing of it)."""

    what: Literal["refuse", "lose_answer", "lose_request", "answer"]
    status: int = 500
    error_id: int | None = None
    retry_after_s: float | None = None
    applied: bool = False
    # A lost answer is noticed this long after it was due (None: a reset, at once).
    noticed_after_s: float | None = None


def refuse() -> Fault:
    """The connection is gone and a new one cannot be opened: nothing is sent."""
    return Fault("refuse")


def lose_answer(*, noticed_after_s: float | None = None) -> Fault:
    """eBay got the request and acted on it; the answer never came back (AnswerLost)."""
    return Fault("lose_answer", applied=True, noticed_after_s=noticed_after_s)


def lose_request() -> Fault:
    """The request never reached eBay; the sender only sees the connection fail (AnswerLost)."""
    return Fault("lose_request")


def answer(status: int, error_id: int | None = None, *, applied: bool = False) -> Fault:
    """eBay answers `status` (500: its internal error 120000), having acted on it or not."""
    if error_id is None and status >= 500:
        error_id = 120000
    return Fault("answer", status=status, error_id=error_id, applied=applied)


def throttle(retry_after_s: float | None) -> Fault:
    """429 Too Many Requests, with Retry-After in seconds."""
    return Fault("answer", status=429, error_id=2001, retry_after_s=retry_after_s)


def unauthorized() -> Fault:
    """401: the access token is not (or no longer) valid."""
    return answer(401, 1001)


def not_approved() -> Fault:
    """403 errorId 1100: eBay has not approved the application for the Buy Offer API."""
    return answer(403, ACCESS_DENIED)


# ---------------------------------------------------------------------- the log
@dataclass
class Request:
    kind: Kind
    method: str
    path: str
    item_id: str
    token: str
    body: bytes


@dataclass
class Arrival:
    """One request that left for eBay."""

    kind: Kind
    token: str
    username: str | None
    sent_ns: int
    arrived_ns: int | None  # None: lost on the way
    status: int | None = None  # what eBay answered (a fault's status included)
    error_id: int | None = None
    applied: bool = False  # a bid eBay took (placed or raised a maximum)
    answered: bool = False  # the answer reached the sender
    answered_ns: int | None = None


def _error_body(error_id: int, message: str) -> bytes:
    # The shape of sniper/devstack/ebaysim/wire.py's error_response.
    return msgspec.json.encode(
        {"errors": [{"errorId": error_id, "domain": "API_OFFER", "message": message}]}
    )


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: dict(_JSON))
    error_id: int | None = None
    applied: bool = False


def _refusal(status: int, error_id: int, message: str) -> _Answer:
    return _Answer(status, _error_body(error_id, message), error_id=error_id)


class _PlaceProxyBid(msgspec.Struct):
    class _Amount(msgspec.Struct):
        value: str
        currency: str

    class _Consent(msgspec.Struct):
        adultOnlyItem: bool = False

    maxAmount: _Amount
    userConsent: _Consent | None = None


# ---------------------------------------------------------------------- eBay
class FakeMarket:
    """eBay's auctions and its Offer API, as the executor meets them."""

    SELLER = "seller_sam"

    def __init__(
        self,
        clock: VirtualClock,
        accounts: FakeEbayAccounts,
        *,
        latency_ms: float = 40.0,
        connect_round_trips: int = 2,
    ) -> None:
        self.clock = clock
        self.accounts = accounts
        self.latency_ms = latency_ms
        self.connect_round_trips = connect_round_trips
        self.auctions: dict[str, Auction] = {}
        self.removed: set[str] = set()
        self.approved = True  # False: every Offer call is refused 403 errorId 1100
        self.log: list[Arrival] = []
        self.refused: list[tuple[Kind, int]] = []  # connections refused: (kind, instant)
        self.connections: list[FakeOfferConnection] = []
        self.browse = FakeMarketBrowse(self)
        self._requests: dict[bytes, Request] = {}
        self._faults: dict[Kind, deque[Fault]] = {"place": deque(), "probe": deque()}
        self._always: dict[Kind, Fault | None] = {"place": None, "probe": None}

    # -- setting the scene
    def add_auction(
        self,
        *,
        end_ms: int,
        legacy_item_id: str = "110000000001",
        start_price: str = "10.00",
        currency: str = "USD",
        buy_it_now_price: str | None = None,
        title: str = "Leica M6",
    ) -> Auction:
        auction = Auction(
            item_id=f"v1|{legacy_item_id}|0",
            legacy_item_id=legacy_item_id,
            title=title,
            marketplace_id="EBAY_US",
            seller=self.SELLER,
            start_price=Money.parse(start_price, currency),
            end_ns=end_ms * NS_PER_MS,
            created_ns=self.clock.now_ns() - 86_400 * NS_PER_S,
            buy_it_now_price=Money.parse(buy_it_now_price, currency) if buy_it_now_price else None,
        )
        self.auctions[auction.item_id] = auction
        return auction

    def auction(self, item_id: str) -> Auction:
        return self.auctions[to_rest_item_id(item_id)]

    def rival_bid(
        self, item_id: str, max_amount: str, *, bidder: str = "rival_rita"
    ) -> StandingBid:
        """Another bidder's proxy bid, now."""
        auction = self.auction(item_id)
        return place_proxy_bid(
            auction,
            bidder=bidder,
            max_amount=Money.parse(max_amount, auction.currency),
            now_ns=self.clock.now_ns(),
            proxy_bid_id=secrets.token_hex(8),
        )

    def buy_it_now(self, item_id: str, *, buyer: str = "buyer_bob") -> None:
        buy_it_now(self.auction(item_id), buyer=buyer, now_ns=self.clock.now_ns())

    def move_end(self, item_id: str, end_ms: int) -> None:
        self.auction(item_id).end_ns = end_ms * NS_PER_MS

    def remove(self, item_id: str) -> None:
        """The listing is gone (removed by eBay or the seller): Browse and Offer find nothing."""
        self.removed.add(to_rest_item_id(item_id))

    def forget_tokens(self, username: str) -> None:
        """Every access token of `username` stops working (expired or revoked at eBay)."""
        for token, user in list(self.accounts.by_token.items()):
            if user.username == username:
                del self.accounts.by_token[token]

    def close_idle(self) -> None:
        """eBay closes every idle keep-alive connection."""
        for connection in self.connections:
            if not connection.busy:
                connection.drop()

    def fail(self, kind: Kind, *faults: Fault) -> None:
        self._faults[kind].extend(faults)

    def fail_always(self, kind: Kind, fault: Fault | None) -> None:
        """Every request of `kind` meets `fault` (after those queued by `fail`); None clears."""
        self._always[kind] = fault

    # -- what happened
    def requests(self, kind: Kind | None = None, *, username: str | None = None) -> list[Arrival]:
        """Requests that left (arrived at eBay or not), oldest first."""
        return [
            a
            for a in self.log
            if (kind is None or a.kind == kind) and (username is None or a.username == username)
        ]

    def bids(self, username: str | None = None) -> list[Arrival]:
        """placeProxyBid requests that reached eBay."""
        return [a for a in self.requests("place", username=username) if a.arrived_ns is not None]

    def applied(self, username: str | None = None) -> list[Arrival]:
        """Bids eBay took."""
        return [a for a in self.bids(username) if a.applied]

    # -- the connection's side
    @property
    def latency_s(self) -> float:
        return self.latency_ms / 1000

    def connect(self) -> FakeOfferConnection:
        connection = FakeOfferConnection(self)
        self.connections.append(connection)
        return connection

    def _parse(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Request:
        kind: Kind = "place" if path.endswith("/place_proxy_bid") else "probe"
        segment = path.split("/bidding/", 1)[1].split("/", 1)[0]
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth.partition(" ")[2]
        return Request(kind, method, path, unquote(segment), token, body)

    def _remember(self, raw: bytes, request: Request) -> None:
        self._requests[raw] = request

    def _request(self, raw: bytes) -> Request:
        return self._requests[raw]

    def _fault(self, kind: Kind) -> Fault | None:
        if self._faults[kind]:
            return self._faults[kind].popleft()
        return self._always[kind]

    def _username(self, token: str) -> str | None:
        user = self.accounts.by_token.get(token)
        return user.username if user is not None else None

    def _ebay(self, request: Request, now_ns: int) -> _Answer:
        """What eBay answers `request` arriving at `now_ns`, having acted on it."""
        username = self._username(request.token)
        if username is None:
            return _refusal(401, 1001, "Invalid access token")
        if not self.approved:
            return _refusal(403, ACCESS_DENIED, "Access denied")
        item_id = to_rest_item_id(request.item_id)
        auction = self.auctions.get(item_id)
        if auction is None or item_id in self.removed:
            return _refusal(404, 120001, f"The item ID {item_id} was not found.")
        if request.kind == "probe":
            if username not in auction.bids:
                return _refusal(404, 120033, "There is no bidding activity for this auction.")
            return _Answer(200, msgspec.json.encode(views.bidding(auction, username, now_ns)))
        try:
            bid = msgspec.json.decode(request.body, type=_PlaceProxyBid)
            amount = Money.parse(bid.maxAmount.value, bid.maxAmount.currency)
        except (msgspec.DecodeError, msgspec.ValidationError, InvalidMoney):
            return _refusal(400, 120013, "The bid amount is missing or invalid.")
        try:
            standing = place_proxy_bid(
                auction,
                bidder=username,
                max_amount=amount,
                now_ns=now_ns,
                proxy_bid_id=secrets.token_hex(8),
                adult_consent=bool(bid.userConsent and bid.userConsent.adultOnlyItem),
            )
        except BidRejected as rejected:
            return _refusal(409, int(rejected.error), rejected.message)
        body = msgspec.json.encode({"proxyBidId": standing.proxy_bid_id})
        return _Answer(200, body, applied=True)

    def _faulty(self, fault: Fault) -> _Answer:
        headers = dict(_JSON)
        if fault.retry_after_s is not None:
            headers["retry-after"] = f"{fault.retry_after_s:g}"
        error_id = fault.error_id if fault.error_id is not None else 10000
        body = _error_body(error_id, f"HTTP {fault.status}")
        return _Answer(fault.status, body, headers, error_id=error_id)


class FakeOfferConnection:
    """sniper.ebay.wire.WarmConnection's surface, on a FakeMarket."""

    def __init__(self, market: FakeMarket) -> None:
        self.market = market
        self.connects = 0
        self.busy = False
        self._open = False

    @property
    def is_open(self) -> bool:
        return self._open

    def drop(self) -> None:
        self._open = False

    async def open(self) -> None:
        if self._open:
            return
        await asyncio.sleep(self.market.connect_round_trips * 2 * self.market.latency_s)
        self._open = True
        self.connects += 1

    async def close(self) -> None:
        self._open = False

    def prepare(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes = b""
    ) -> bytes:
        raw = encode_request(ORIGIN, method, path, headers, body)
        self.market._remember(raw, self.market._parse(method, path, headers, body))
        return raw

    async def send(self, prepared: bytes) -> WireResponse:
        if self.busy:
            raise RuntimeError("WarmConnection carries one request at a time")
        self.busy = True
        try:
            return await self._send(prepared)
        finally:
            self.busy = False

    async def _send(self, prepared: bytes) -> WireResponse:
        market, clock = self.market, self.market.clock
        request = market._request(prepared)
        fault = market._fault(request.kind)
        if fault is not None and fault.what == "refuse":
            self._open = False
            await asyncio.sleep(2 * market.latency_s)  # the refusal takes a round trip
            market.refused.append((request.kind, clock.now_ns()))
            raise EbayUnavailable("could not connect to api.ebay.com: ConnectionRefusedError")
        await self.open()
        sent_ns = clock.now_ns()
        arrival = Arrival(
            request.kind, request.token, market._username(request.token), sent_ns, None
        )
        market.log.append(arrival)
        await asyncio.sleep(market.latency_s)
        if fault is not None and fault.what == "lose_request":
            self._open = False
            await asyncio.sleep(market.latency_s)  # the reset comes back
            raise AnswerLost("connection to api.ebay.com failed mid-request", sent_ns=sent_ns)
        arrival.arrived_ns = clock.now_ns()
        if fault is not None and fault.what == "answer" and not fault.applied:
            reply = market._faulty(fault)
        else:
            reply = market._ebay(request, arrival.arrived_ns)
            arrival.applied = reply.applied
            if fault is not None and fault.what == "answer":
                reply = market._faulty(fault)
        arrival.status, arrival.error_id = reply.status, reply.error_id
        if fault is not None and fault.what == "lose_answer":
            self._open = False
            await asyncio.sleep(fault.noticed_after_s or market.latency_s)
            raise AnswerLost("connection to api.ebay.com failed mid-request", sent_ns=sent_ns)
        await asyncio.sleep(market.latency_s)
        arrival.answered, arrival.answered_ns = True, clock.now_ns()
        return WireResponse(reply.status, reply.headers, reply.body, sent_ns, arrival.answered_ns)


class FakeMarketBrowse:
    """Browse getItem on the market's auctions (an ItemReader), one round trip per read.
    `fail_next` makes the next reads raise."""

    def __init__(self, market: FakeMarket) -> None:
        self.market = market
        self.reads: list[int] = []  # the instants eBay read the item at
        self._failures: list[Exception] = []

    def fail_next(self, *errors: Exception) -> None:
        self._failures.extend(errors)

    async def get_item(self, item_id: str, *, marketplace_id: str | None = None) -> Item:
        market = self.market
        await asyncio.sleep(market.latency_s)
        now_ns = market.clock.now_ns()
        self.reads.append(now_ns)
        failure = self._failures.pop(0) if self._failures else None
        item = None if failure else self._item(item_id, now_ns)
        await asyncio.sleep(market.latency_s)
        if failure is not None:
            raise failure
        if item is None:
            raise ItemNotFound(11001, f"The item {item_id} was not found.", status=404)
        return item

    def _item(self, item_id: str, now_ns: int) -> Item | None:
        rest_id = to_rest_item_id(item_id)
        auction = self.market.auctions.get(rest_id)
        if auction is None or rest_id in self.market.removed:
            return None
        ended = auction.ended(now_ns)
        end_ns = auction.ended_by_buy_it_now_ns or auction.end_ns
        fields: dict[str, Any] = {
            "item_id": auction.item_id,
            "legacy_item_id": auction.legacy_item_id,
            "title": auction.title,
            "buying_options": tuple(views.buying_options(auction, now_ns)),
            "currency": auction.currency,
            "current_bid_price": auction.price,
            "minimum_price_to_bid": None if ended else auction.next_minimum(),
            "bid_count": auction.bid_count,
            "item_end_ms": end_ns // NS_PER_MS,
            "reserve_price_met": auction.reserve_met if auction.reserve_price else None,
            "adult_only": auction.adult_only,
            "marketplace_id": auction.marketplace_id,
            "seller_username": auction.seller,
            "item_web_url": views.view_item_url(auction),
            "price": auction.buy_it_now_price,
        }
        return Item(**fields)
