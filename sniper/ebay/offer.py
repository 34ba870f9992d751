"""Buy Offer API: place a proxy bid, read the buyer's bidding state.

The request encoding and answer decoding are plain functions without aiohttp, so the bid
executor can pre-encode placeProxyBid for its warm connection (`sniper.ebay.wire`) and read the
answer with the same rules as `OfferApi`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import msgspec

from sniper.domain.money import Money
from sniper.ebay.endpoints import OFFER_PATH, EbayEndpoints
from sniper.ebay.errors import decode_json, error_from_response
from sniper.ebay.item_ids import item_id_path_segment
from sniper.ebay.parsing import money, ms_from_ebay_date

if TYPE_CHECKING:
    from sniper.ebay.transport import EbayTransport


class Bidding(msgspec.Struct, frozen=True, kw_only=True):
    """The buyer's view of an auction they bid on."""

    item_id: str
    auction_status: str  # ACTIVE | ENDED
    high_bidder: bool  # with ENDED: the buyer won
    current_price: Money | None
    max_amount: Money | None  # our proxy bid's maximum
    proxy_bid_id: str | None
    bid_count: int
    auction_end_ms: int | None
    reserve_price_met: bool | None

    @property
    def ended(self) -> bool:
        return self.auction_status == "ENDED"

    @property
    def won(self) -> bool:
        return self.ended and self.high_bidder and self.reserve_price_met is not False


# --- wire shapes -----------------------------------------------------------------------------


class _Amount(msgspec.Struct):
    value: str
    currency: str


class _UserConsent(msgspec.Struct, rename="camel"):
    adult_only_item: bool


class _PlaceProxyBidRequest(msgspec.Struct, rename="camel", omit_defaults=True):
    max_amount: _Amount
    user_consent: _UserConsent | None = None


class _PlaceProxyBidResponse(msgspec.Struct, rename="camel"):
    proxy_bid_id: str | None = None


class _ProxyBid(msgspec.Struct, rename="camel"):
    max_amount: _Amount | None = None
    proxy_bid_id: str | None = None


class _Bidding(msgspec.Struct, rename="camel"):
    item_id: str | None = None
    auction_status: str = ""
    high_bidder: bool = False
    current_price: _Amount | None = None
    current_proxy_bid: _ProxyBid | None = None
    bid_count: int = 0
    auction_end_date: str | None = None
    reserve_price_met: bool | None = None


_ENCODER = msgspec.json.Encoder()
_PLACE_DECODER = msgspec.json.Decoder(_PlaceProxyBidResponse)
_BIDDING_DECODER = msgspec.json.Decoder(_Bidding)


def _money(amount: _Amount | None) -> Money | None:
    return money(amount.value, amount.currency) if amount is not None else None


# --- placeProxyBid ---------------------------------------------------------------------------


def bidding_path(item_id: str) -> str:
    """Path under the API base (eBay's or the simulator's), item id encoded."""
    return f"{OFFER_PATH}/bidding/{item_id_path_segment(item_id)}"


def place_proxy_bid_path(item_id: str) -> str:
    return bidding_path(item_id) + "/place_proxy_bid"


def place_proxy_bid_body(max_amount: Money, *, adult_only: bool = False) -> bytes:
    """`{"maxAmount":{"value":"17.50","currency":"USD"}}`, plus consent for adult-only items."""
    request = _PlaceProxyBidRequest(
        max_amount=_Amount(value=max_amount.value, currency=max_amount.currency),
        user_consent=_UserConsent(adult_only_item=True) if adult_only else None,
    )
    return _ENCODER.encode(request)


def offer_headers(access_token: str, marketplace_id: str, *, with_body: bool) -> dict[str, str]:
    headers = {
        "Authorization": f"Bearer {access_token}",
        "X-EBAY-C-MARKETPLACE-ID": marketplace_id,
        "Accept": "application/json",
    }
    if with_body:
        headers["Content-Type"] = "application/json"
    return headers


def read_place_proxy_bid(status: int, headers: Mapping[str, str], body: bytes) -> str:
    """The proxyBidId of an accepted bid, or the typed error eBay's answer stands for."""
    if not 200 <= status < 300:
        raise error_from_response("offer", status, headers, body)
    return decode_json(_PLACE_DECODER, body, "placeProxyBid answer").proxy_bid_id or ""


def read_bidding(status: int, headers: Mapping[str, str], body: bytes, item_id: str) -> Bidding:
    if not 200 <= status < 300:
        raise error_from_response("offer", status, headers, body)
    raw = decode_json(_BIDDING_DECODER, body, "bidding")
    proxy = raw.current_proxy_bid
    return Bidding(
        item_id=raw.item_id or item_id,
        auction_status=raw.auction_status,
        high_bidder=raw.high_bidder,
        current_price=_money(raw.current_price),
        max_amount=_money(proxy.max_amount) if proxy else None,
        proxy_bid_id=proxy.proxy_bid_id if proxy else None,
        bid_count=raw.bid_count,
        auction_end_ms=ms_from_ebay_date(raw.auction_end_date) if raw.auction_end_date else None,
        reserve_price_met=raw.reserve_price_met,
    )


class OfferApi:
    def __init__(self, http: EbayTransport, endpoints: EbayEndpoints) -> None:
        self._http = http
        self._endpoints = endpoints

    async def get_bidding(self, access_token: str, item_id: str, marketplace_id: str) -> Bidding:
        """The buyer's bidding on one auction; retried once on a transient failure (a GET)."""
        answer = await self._http.request(
            "offer",
            "GET",
            self._endpoints.api_base + bidding_path(item_id),
            headers=offer_headers(access_token, marketplace_id, with_body=False),
            retry_once=True,
        )
        return read_bidding(answer.status, answer.headers, answer.body, item_id)

    async def place_proxy_bid(
        self,
        access_token: str,
        item_id: str,
        marketplace_id: str,
        max_amount: Money,
        *,
        adult_only: bool = False,
    ) -> str:
        """Place (or raise) the buyer's proxy bid; returns eBay's proxyBidId.

        Never retried here: whether a second attempt is wise is the executor's decision.
        """
        answer = await self._http.request(
            "offer",
            "POST",
            self._endpoints.api_base + place_proxy_bid_path(item_id),
            headers=offer_headers(access_token, marketplace_id, with_body=True),
            body=place_proxy_bid_body(max_amount, adult_only=adult_only),
        )
        return read_place_proxy_bid(answer.status, answer.headers, answer.body)
