"""The simulator's own control API under /sim/: scripted users, auctions, rivals and faults.

Bodies are decoded into strict Structs; anything wrong is a 400 naming the field.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal, TypeVar

import aiohttp
import msgspec
from aiohttp import web

from sniper.devstack.ebaysim.clock import ebay_date, parse_iso
from sniper.devstack.ebaysim.engine import Auction, BidRejected, BuyItNowUnavailable, buy_it_now
from sniper.devstack.ebaysim.faults import OPERATIONS, FaultRule
from sniper.devstack.ebaysim.notification_api import push_notification, run_challenge
from sniper.devstack.ebaysim.state import DEFAULT_SELLER, USER_SCOPES, SimState
from sniper.devstack.ebaysim.views import engine_state
from sniper.devstack.ebaysim.wire import STATE_KEY, json_response
from sniper.domain.errors import InvalidMoney
from sniper.domain.increments import MARKETPLACE_CURRENCY
from sniper.domain.money import Money

T = TypeVar("T")


class AdminError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


class _Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class NewUser(_Strict):
    username: str
    adultAllowed: bool = True


class NewTokens(_Strict):
    username: str
    scopes: list[str] | None = None


class NewAuction(_Strict):
    title: str
    startPrice: str
    marketplaceId: str = "EBAY_US"
    currency: str | None = None
    endsInSeconds: float | None = None
    endsAt: str | None = None
    reservePrice: str | None = None
    buyItNowPrice: str | None = None
    seller: str = DEFAULT_SELLER
    adultOnly: bool = False
    listingFormat: Literal["AUCTION", "FIXED_PRICE"] = "AUCTION"
    imageUrl: str | None = None


class RivalBid(_Strict):
    bidder: str
    maxAmount: str
    at: str | None = None


class BuyItNow(_Strict):
    buyer: str


class WatchList(_Strict):
    itemIds: list[str]


class NewFault(_Strict):
    operation: str
    status: int | None = None
    delayMs: int | None = None
    drop: bool = False
    count: int | None = None
    until: str | None = None
    apply: Literal["before", "after"] = "before"
    retryAfterS: int | None = None
    itemId: str | None = None


class BiddingApprovalChange(_Strict):
    """eBay's approval of the Buy Offer API: for one application (clientId) or for all."""

    approved: bool
    clientId: str | None = None


class Challenge(_Strict):
    endpoint: str
    verificationToken: str


class Notify(_Strict):
    endpoint: str
    username: str


async def _decode(request: web.Request, kind: type[T]) -> T:
    body = await request.read()
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as exc:
        raise AdminError(f"invalid {kind.__name__}: {exc}") from None
    except msgspec.DecodeError as exc:
        raise AdminError(f"body is not valid JSON: {exc}") from None


def _money(value: str, currency: str, field: str) -> Money:
    try:
        return Money.parse(value, currency)
    except InvalidMoney as exc:
        raise AdminError(f"{field}: {exc}") from None


def _instant(value: str, field: str) -> int:
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise AdminError(f"{field}: {value!r} is not an ISO 8601 instant ({exc})") from None


def _auction(state: SimState, request: web.Request) -> Auction:
    item_id = request.match_info["item_id"]
    auction = state.find_auction(item_id)
    if auction is None:
        raise AdminError(f"no auction with itemId {item_id!r}", 404)
    return auction


def _state(request: web.Request) -> SimState:
    return request.app[STATE_KEY]


async def create_user(request: web.Request) -> web.Response:
    new = await _decode(request, NewUser)
    if not new.username.strip():
        raise AdminError("username: must not be empty")
    user = _state(request).accounts.ensure_user(new.username)
    user.adult_allowed = new.adultAllowed
    return json_response(
        {
            "username": user.username,
            "userId": user.user_id,
            "eiasToken": user.eias_token,
            "adultAllowed": user.adult_allowed,
        },
        201,
    )


async def create_tokens(request: web.Request) -> web.Response:
    """Tokens without the consent dance, for tests and the local stack's seed data."""
    new = await _decode(request, NewTokens)
    state = _state(request)
    scopes = tuple(new.scopes) if new.scopes is not None else USER_SCOPES
    access, refresh = state.user_tokens(new.username, scopes)
    return json_response(
        {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": state.config.access_token_ttl_s,
        },
        201,
    )


async def create_auction(request: web.Request) -> web.Response:
    new = await _decode(request, NewAuction)
    state = _state(request)
    expected = MARKETPLACE_CURRENCY.get(new.marketplaceId)
    if expected is None:
        supported = ", ".join(sorted(MARKETPLACE_CURRENCY))
        raise AdminError(f"marketplaceId: {new.marketplaceId!r} is not one of {supported}")
    currency = new.currency or expected
    if currency != expected:
        raise AdminError(f"currency: {new.marketplaceId} lists in {expected}, not {currency!r}")
    if (new.endsInSeconds is None) == (new.endsAt is None):
        raise AdminError("endsInSeconds / endsAt: give exactly one of them")
    if new.endsInSeconds is not None and new.endsInSeconds <= 0:
        raise AdminError("endsInSeconds: must be positive")
    if not new.title.strip():
        raise AdminError("title: must not be empty")
    start = _money(new.startPrice, currency, "startPrice")
    if start.amount <= 0:
        raise AdminError("startPrice: must be above zero")
    auction = state.create_auction(
        title=new.title,
        start_price=start,
        marketplace_id=new.marketplaceId,
        end_ns=_instant(new.endsAt, "endsAt") if new.endsAt else None,
        ends_in_s=new.endsInSeconds,
        reserve_price=_money(new.reservePrice, currency, "reservePrice")
        if new.reservePrice
        else None,
        buy_it_now_price=_money(new.buyItNowPrice, currency, "buyItNowPrice")
        if new.buyItNowPrice
        else None,
        seller=new.seller,
        adult_only=new.adultOnly,
        fixed_price_only=new.listingFormat == "FIXED_PRICE",
        image_url=new.imageUrl,
    )
    state.accounts.ensure_user(new.seller)
    return json_response(engine_state(auction, state.now_ns()), 201)


async def get_auction(request: web.Request) -> web.Response:
    state = _state(request)
    return json_response(engine_state(_auction(state, request), state.now_ns()))


def _rival_bid(state: SimState, auction: Auction, bidder: str, money: Money) -> dict[str, Any]:
    try:
        standing = state.bid(
            auction, bidder=bidder, max_amount=money, arrived_ns=state.now_ns(), source="rival"
        )
    except BidRejected as rejected:
        return {"accepted": False, "errorId": int(rejected.error), "error": rejected.message}
    return {"accepted": True, "proxyBidId": standing.proxy_bid_id}


async def place_rival_bid(request: web.Request) -> web.Response:
    new = await _decode(request, RivalBid)
    state = _state(request)
    auction = _auction(state, request)
    money = _money(new.maxAmount, auction.currency, "maxAmount")
    if new.at is not None:
        at_ns = _instant(new.at, "at")
        delay = max(0.0, (at_ns - state.now_ns()) / 1e9)
        loop = asyncio.get_running_loop()

        def fire() -> None:
            state.scheduled.discard(handle)
            _rival_bid(state, auction, new.bidder, money)

        handle = loop.call_later(delay, fire)
        state.scheduled.add(handle)
        return json_response({"scheduled": True, "at": ebay_date(at_ns)}, 202)
    outcome = _rival_bid(state, auction, new.bidder, money)
    outcome["auction"] = engine_state(auction, state.now_ns())
    return json_response(outcome, 200 if outcome["accepted"] else 409)


async def buy_now(request: web.Request) -> web.Response:
    new = await _decode(request, BuyItNow)
    state = _state(request)
    auction = _auction(state, request)
    try:
        buy_it_now(auction, buyer=new.buyer, now_ns=state.now_ns())
    except BuyItNowUnavailable as exc:
        raise AdminError(str(exc), 409) from None
    return json_response(engine_state(auction, state.now_ns()))


async def put_watchlist(request: web.Request) -> web.Response:
    new = await _decode(request, WatchList)
    state = _state(request)
    unknown = [item for item in new.itemIds if state.find_auction(item) is None]
    if unknown:
        raise AdminError(f"itemIds: no auction with id {unknown[0]!r}")
    state.set_watchlist(request.match_info["username"], new.itemIds)
    return json_response({"username": request.match_info["username"], "itemIds": new.itemIds})


async def add_fault(request: web.Request) -> web.Response:
    new = await _decode(request, NewFault)
    state = _state(request)
    if new.operation not in OPERATIONS:
        raise AdminError(
            f"operation: {new.operation!r} is not one of {', '.join(sorted(OPERATIONS))}"
        )
    if new.status is not None and not 400 <= new.status <= 599:
        raise AdminError("status: must be an HTTP error status, 400 to 599")
    if new.delayMs is not None and new.delayMs < 0:
        raise AdminError("delayMs: must not be negative")
    if new.count is not None and new.count < 1:
        raise AdminError("count: must be at least 1")
    if new.status is None and not new.delayMs and not new.drop:
        raise AdminError("status / delayMs / drop: a fault needs at least one of them")
    if new.retryAfterS is not None and (new.status not in (429, 503) or new.retryAfterS < 0):
        raise AdminError("retryAfterS: only with status 429 or 503, and not negative")
    until = _instant(new.until, "until") if new.until else None
    item_id = new.itemId
    if item_id is not None:
        auction = state.find_auction(item_id)
        if auction is None:
            raise AdminError(f"itemId: no auction with id {item_id!r}")
        item_id = auction.item_id
    remaining = new.count if new.count is not None else (None if until else 1)
    state.faults.add(
        FaultRule(
            new.operation,
            new.status,
            new.delayMs or 0,
            new.drop,
            new.apply,
            remaining,
            until,
            new.retryAfterS,
            item_id,
        )
    )
    return json_response({"faults": len(state.faults.rules)}, 201)


def _approval_view(state: SimState) -> dict[str, Any]:
    approval = state.approval
    return {"approved": approval.default, "clients": dict(approval.by_client)}


async def get_bidding_approval(request: web.Request) -> web.Response:
    return json_response(_approval_view(_state(request)))


async def put_bidding_approval(request: web.Request) -> web.Response:
    change = await _decode(request, BiddingApprovalChange)
    if change.clientId is not None and not change.clientId.strip():
        raise AdminError("clientId: must not be empty (leave it out to change every application)")
    state = _state(request)
    state.approval.set(change.approved, change.clientId)
    return json_response(_approval_view(state))


async def clear_faults(request: web.Request) -> web.Response:
    _state(request).faults.clear()
    return json_response({"faults": 0})


async def revoke_user(request: web.Request) -> web.Response:
    state = _state(request)
    username = request.match_info["username"]
    if username not in state.accounts.users:
        raise AdminError(f"no user {username!r}", 404)
    return json_response({"username": username, "revoked": state.accounts.revoke(username)})


async def expire_user_tokens(request: web.Request) -> web.Response:
    state = _state(request)
    username = request.match_info["username"]
    if username not in state.accounts.users:
        raise AdminError(f"no user {username!r}", 404)
    state.accounts.expire_access(username)
    return json_response({"username": username, "expired": True})


async def list_bids(request: web.Request) -> web.Response:
    state = _state(request)
    wanted = request.query.get("itemId")
    if wanted is not None:
        auction = state.find_auction(wanted)
        wanted = auction.item_id if auction else wanted
    bids = [b for b in state.bid_log if wanted is None or b.itemId == wanted]
    return json_response({"bids": bids})


async def account_deletion_challenge(request: web.Request) -> web.Response:
    new = await _decode(request, Challenge)
    try:
        outcome = await run_challenge(new.endpoint, new.verificationToken)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise AdminError(f"endpoint: could not reach {new.endpoint!r}: {exc!r}", 502) from None
    return json_response(
        {
            "ok": outcome.ok,
            "status": outcome.status,
            "expected": outcome.expected,
            "received": outcome.received,
        }
    )


async def account_deletion_notify(request: web.Request) -> web.Response:
    new = await _decode(request, Notify)
    try:
        status, notification_id = await push_notification(
            _state(request), new.endpoint, new.username
        )
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise AdminError(f"endpoint: could not reach {new.endpoint!r}: {exc!r}", 502) from None
    return json_response({"status": status, "notificationId": notification_id})


async def reset(request: web.Request) -> web.Response:
    _state(request).reset()
    return json_response({"reset": True})


@web.middleware
async def admin_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
    except AdminError as error:
        return json_response({"error": error.message}, error.status)
    return response


def routes() -> list[web.RouteDef]:
    return [
        web.post("/sim/users", create_user),
        web.post("/sim/tokens", create_tokens),
        web.post("/sim/users/{username}/revoke", revoke_user),
        web.post("/sim/users/{username}/expire-tokens", expire_user_tokens),
        web.post("/sim/auctions", create_auction),
        web.get("/sim/auctions/{item_id}", get_auction),
        web.post("/sim/auctions/{item_id}/bids", place_rival_bid),
        web.post("/sim/auctions/{item_id}/buy-it-now", buy_now),
        web.put("/sim/watchlist/{username}", put_watchlist),
        web.post("/sim/faults", add_fault),
        web.delete("/sim/faults", clear_faults),
        web.get("/sim/bidding-approval", get_bidding_approval),
        web.put("/sim/bidding-approval", put_bidding_approval),
        web.get("/sim/bids", list_bids),
        web.post("/sim/account-deletion/challenge", account_deletion_challenge),
        web.post("/sim/account-deletion/notify", account_deletion_notify),
        web.post("/sim/reset", reset),
    ]
