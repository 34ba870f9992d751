"""Buy Offer v1_beta: getBidding and placeProxyBid, with the contract's errorIds."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

import msgspec
from aiohttp import web

from sniper.devstack.ebaysim.accounts import AccessGrant
from sniper.devstack.ebaysim.engine import BidRejected
from sniper.devstack.ebaysim.state import BidAttempt, SimState
from sniper.devstack.ebaysim.views import bidding
from sniper.devstack.ebaysim.wire import (
    ARRIVED_NS,
    OFFER_SCOPE,
    STATE_KEY,
    bearer_grant,
    error_response,
    insufficient_permissions,
    json_response,
    user_grant,
)
from sniper.domain.errors import InvalidMoney
from sniper.domain.increments import INCREMENT_TABLES
from sniper.domain.money import CURRENCY_DECIMALS, Money

DOMAIN = "API_OFFER"
BID_ATTEMPT = web.RequestKey("sim_bid_attempt", BidAttempt)
_SUPPORTED = ", ".join(sorted(INCREMENT_TABLES))


def _marketplace_error(request: web.Request) -> web.Response | None:
    marketplace = request.headers.get("X-EBAY-C-MARKETPLACE-ID")
    if not marketplace:
        return error_response(
            400,
            120015,
            DOMAIN,
            "REQUEST",
            "The X-EBAY-C-MARKETPLACE-ID header is missing. This is a required header.",
        )
    if marketplace not in INCREMENT_TABLES:
        return error_response(
            400,
            120017,
            DOMAIN,
            "REQUEST",
            f"The Marketplace {marketplace} is not supported. Supported values are {_SUPPORTED}.",
        )
    return None


def _not_approved(state: SimState, grant: AccessGrant) -> web.Response | None:
    """eBay's gateway refusal (403 errorId 1100) for an application it has not approved for
    this Limited Release API; None when the grant's application may bid."""
    return None if state.approval.allows(grant.client_id) else insufficient_permissions()


def _not_found(item_id: str) -> web.Response:
    return error_response(
        404,
        120001,
        DOMAIN,
        "REQUEST",
        f"The item ID {item_id} was not found. Check that this is an active auction item ID.",
    )


async def get_bidding(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    grant = user_grant(request, state, OFFER_SCOPE)
    if isinstance(grant, web.Response):
        return grant
    problem = _not_approved(state, grant)
    if problem is None:
        problem = _marketplace_error(request)
    if problem:
        return problem
    assert grant.username is not None
    item_id = request.match_info["item_id"]
    auction = state.find_auction(item_id) if item_id.startswith("v1|") else None
    if auction is None or auction.fixed_price_only:
        return _not_found(item_id)
    if grant.username not in auction.bids:
        return error_response(
            404,
            120033,
            DOMAIN,
            "REQUEST",
            f"There is no bidding activity for this auction (item ID {item_id}).",
        )
    return json_response(bidding(auction, grant.username, request[ARRIVED_NS]))


class _Amount(msgspec.Struct):
    value: str | None = None
    currency: str | None = None


class _Consent(msgspec.Struct):
    adultOnlyItem: bool = False


class _PlaceProxyBid(msgspec.Struct):
    maxAmount: _Amount | None = None
    userConsent: _Consent | None = None


class _Refused(Exception):
    def __init__(self, status: int, error_id: int, message: str) -> None:
        super().__init__(message)
        self.status, self.error_id, self.message = status, error_id, message


def _requested_amount(body: bytes, auction_currency: str) -> tuple[Money, bool]:
    """The maxAmount and adult consent, or _Refused with eBay's request errorId."""
    try:
        bid = msgspec.json.decode(body or b"{}", type=_PlaceProxyBid)
    except msgspec.DecodeError as exc:
        raise _Refused(400, 120013, f"The bid amount is missing or invalid. ({exc})") from None
    if bid.maxAmount is None:
        raise _Refused(400, 120016, "The maximum bid amount is missing.")
    value, currency = bid.maxAmount.value, bid.maxAmount.currency
    if currency is None or currency not in CURRENCY_DECIMALS:
        raise _Refused(
            400,
            120014,
            "The bid currency is invalid. Refer to the documentation for a list of currency codes.",
        )
    if value is None:
        raise _Refused(400, 120013, "The bid amount is missing or invalid.")
    try:
        exact = Decimal(value)
    except InvalidOperation:
        raise _Refused(400, 120013, "The bid amount is missing or invalid.") from None
    places = CURRENCY_DECIMALS[auction_currency]
    exponent = exact.as_tuple().exponent
    try:
        excess = (
            isinstance(exponent, int)
            and -exponent > places
            and exact != exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
        )
    except InvalidOperation:  # too many digits to quantize: not an amount eBay takes
        raise _Refused(400, 120013, "The bid amount is missing or invalid.") from None
    if excess:
        # More places than the listing's currency has (17.505 USD, or any fraction of JPY).
        raise _Refused(409, 120018, "For this auction, the bid amount cannot have decimals.")
    try:
        money = Money.parse(value, currency)
    except InvalidMoney:
        raise _Refused(400, 120013, "The bid amount is missing or invalid.") from None
    if money.amount <= 0:
        raise _Refused(400, 120013, "The bid amount is missing or invalid.")
    consent = bool(bid.userConsent and bid.userConsent.adultOnlyItem)
    return money, consent


async def place_proxy_bid(request: web.Request) -> web.Response:
    arrived = request[ARRIVED_NS]
    state = request.app[STATE_KEY]
    item_id = request.match_info["item_id"]
    body = await request.read()
    grant = user_grant(request, state, OFFER_SCOPE)
    if isinstance(grant, web.Response):
        _log(request, state, item_id, None, None, arrived, grant.status, None)
        return grant
    bidder = grant.username
    problem = _not_approved(state, grant)
    if problem is None:
        problem = _marketplace_error(request)
    if problem is None and not request.headers.get("Content-Type"):
        problem = error_response(
            400,
            120013,
            DOMAIN,
            "REQUEST",
            "The bid amount is missing or invalid. "
            "The Content-Type header must be application/json.",
        )
    if problem is not None:
        _log(request, state, item_id, bidder, None, arrived, problem.status, _error_id(problem))
        return problem
    auction = state.find_auction(item_id) if item_id.startswith("v1|") else None
    if auction is None or auction.fixed_price_only:
        _log(request, state, item_id, bidder, None, arrived, 404, 120001)
        return _not_found(item_id)
    try:
        money, consent = _requested_amount(body, auction.currency)
    except _Refused as refused:
        _log(request, state, item_id, bidder, None, arrived, refused.status, refused.error_id)
        return error_response(refused.status, refused.error_id, DOMAIN, "REQUEST", refused.message)
    assert bidder is not None
    try:
        standing = state.bid(
            auction, bidder=bidder, max_amount=money, arrived_ns=arrived, adult_consent=consent
        )
    except BidRejected as rejected:
        request[BID_ATTEMPT] = state.bid_log[-1]
        category = "REQUEST" if rejected.error == 120018 else "BUSINESS"
        return error_response(409, int(rejected.error), DOMAIN, category, rejected.message)
    request[BID_ATTEMPT] = state.bid_log[-1]
    return json_response({"proxyBidId": standing.proxy_bid_id})


def _error_id(response: web.Response) -> int | None:
    assert isinstance(response.body, bytes)
    errors = msgspec.json.decode(response.body).get("errors") or [{}]
    error_id = errors[0].get("errorId")
    return error_id if isinstance(error_id, int) else None


def _log(
    request: web.Request,
    state: SimState,
    item_id: str,
    bidder: str | None,
    money: Money | None,
    arrived: int,
    status: int,
    error_id: int | None,
) -> None:
    request[BID_ATTEMPT] = state.log_bid(item_id, bidder, money, arrived, status, error_id)


def log_unanswered_bid(request: web.Request, state: SimState, body: bytes, status: int) -> None:
    """A bid a fault stopped before eBay's logic saw it: logged with what can be read of it."""
    grant = bearer_grant(request, state)
    auction = state.find_auction(request.match_info.get("item_id", ""))
    try:
        money: Money | None = _requested_amount(body, auction.currency if auction else "USD")[0]
    except _Refused:
        money = None
    _log(
        request,
        state,
        request.match_info.get("item_id", ""),
        grant.username if grant else None,
        money,
        request[ARRIVED_NS],
        status,
        None,
    )
