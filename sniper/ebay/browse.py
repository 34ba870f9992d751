"""Browse API: what a sniper needs to know about one listing (getItem, getItemByLegacyId)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from sniper.domain.increments import minimum_to_accept
from sniper.domain.money import Money
from sniper.ebay.endpoints import EbayEndpoints
from sniper.ebay.errors import decode_json
from sniper.ebay.item_ids import item_id_path_segment, to_rest_item_id
from sniper.ebay.parsing import money, ms_from_ebay_date

if TYPE_CHECKING:
    from sniper.ebay.oauth import EbayOAuth
    from sniper.ebay.transport import EbayTransport

__all__ = ["BrowseApi", "Item", "to_rest_item_id"]


class Item(msgspec.Struct, frozen=True, kw_only=True):
    item_id: str  # RESTful: v1|<legacy>|<variation>
    legacy_item_id: str
    title: str
    buying_options: tuple[str, ...]  # AUCTION, FIXED_PRICE, BEST_OFFER
    currency: str  # the listing's own currency: bids must be in it
    current_bid_price: Money | None  # auctions only
    minimum_price_to_bid: Money | None
    bid_count: int
    item_end_ms: int | None  # fixed-price listings may have none
    reserve_price_met: bool | None  # None: the listing has no reserve
    adult_only: bool
    marketplace_id: str | None
    seller_username: str | None = None
    image_url: str | None = None
    item_web_url: str | None = None
    price: Money | None = None  # fixed price / Buy It Now

    @property
    def is_auction(self) -> bool:
        return "AUCTION" in self.buying_options

    @property
    def next_minimum_bid(self) -> Money | None:
        """The lowest maximum bid to accept on it (the rule: `increments.minimum_to_accept`)."""
        return minimum_to_accept(
            self.marketplace_id,
            self.current_bid_price,
            has_bids=self.bid_count > 0,
            quoted=self.minimum_price_to_bid,
        )


# --- wire shapes (Browse's camelCase, only the fields we read) -------------------------------


class _Amount(msgspec.Struct, rename="camel"):
    value: str | None = None
    currency: str | None = None
    converted_from_value: str | None = None
    converted_from_currency: str | None = None


class _Image(msgspec.Struct, rename="camel"):
    image_url: str | None = None


class _Seller(msgspec.Struct, rename="camel"):
    username: str | None = None


class _Item(msgspec.Struct, rename="camel"):
    item_id: str
    legacy_item_id: str | None = None
    title: str = ""
    buying_options: list[str] = []
    current_bid_price: _Amount | None = None
    minimum_price_to_bid: _Amount | None = None
    price: _Amount | None = None
    bid_count: int = 0
    item_end_date: str | None = None
    reserve_price_met: bool | None = None
    adult_only: bool = False
    listing_marketplace_id: str | None = None
    seller: _Seller | None = None
    image: _Image | None = None
    item_web_url: str | None = None


_ITEM_DECODER = msgspec.json.Decoder(_Item)


def _listing_money(amount: _Amount | None) -> Money | None:
    """The amount in the listing's currency. When Browse converted it for the buyer's
    marketplace, the original sits in convertedFrom*, and that is what a bid must use."""
    if amount is None:
        return None
    if amount.converted_from_value and amount.converted_from_currency:
        return money(amount.converted_from_value, amount.converted_from_currency)
    if amount.value and amount.currency:
        return money(amount.value, amount.currency)
    return None


def decode_item(body: bytes) -> Item:
    raw = decode_json(_ITEM_DECODER, body, "item")
    current = _listing_money(raw.current_bid_price)
    minimum = _listing_money(raw.minimum_price_to_bid)
    price = _listing_money(raw.price)
    currency = next((m.currency for m in (current, minimum, price) if m is not None), None)
    rest_id = to_rest_item_id(raw.item_id)
    return Item(
        item_id=rest_id,
        legacy_item_id=raw.legacy_item_id or rest_id.split("|")[1],
        title=raw.title,
        buying_options=tuple(raw.buying_options),
        currency=currency or "",
        current_bid_price=current,
        minimum_price_to_bid=minimum,
        bid_count=raw.bid_count,
        item_end_ms=ms_from_ebay_date(raw.item_end_date) if raw.item_end_date else None,
        reserve_price_met=raw.reserve_price_met,
        adult_only=raw.adult_only,
        marketplace_id=raw.listing_marketplace_id,
        seller_username=raw.seller.username if raw.seller else None,
        image_url=raw.image.image_url if raw.image else None,
        item_web_url=raw.item_web_url,
        price=price,
    )


class BrowseApi:
    """getItem with an application token (Browse needs no user grant)."""

    def __init__(self, http: EbayTransport, endpoints: EbayEndpoints, oauth: EbayOAuth) -> None:
        self._http = http
        self._endpoints = endpoints
        self._oauth = oauth

    async def get_item(self, item_id: str, *, marketplace_id: str | None = None) -> Item:
        """`item_id` in either form (RESTful or legacy item number)."""
        url = f"{self._endpoints.browse_base}/item/{item_id_path_segment(item_id)}"
        return await self._get(url, None, marketplace_id)

    async def get_item_by_legacy_id(
        self, legacy_item_id: str, *, marketplace_id: str | None = None
    ) -> Item:
        legacy = to_rest_item_id(legacy_item_id, field="legacyItemId").split("|")[1]
        url = f"{self._endpoints.browse_base}/item/get_item_by_legacy_id"
        return await self._get(url, {"legacy_item_id": legacy}, marketplace_id)

    async def _get(
        self, url: str, params: dict[str, str] | None, marketplace_id: str | None
    ) -> Item:
        token = await self._oauth.app_token()
        headers = {"Authorization": f"Bearer {token.access_token}", "Accept": "application/json"}
        if marketplace_id:
            headers["X-EBAY-C-MARKETPLACE-ID"] = marketplace_id
        answer = await self._http.request(
            "browse", "GET", url, headers=headers, params=params, retry_once=True
        )
        return decode_item(answer.body)
