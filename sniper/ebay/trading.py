"""Trading API: the user's watch list (GetMyeBayBuying), the one thing only Trading offers.

XML over one URL; the call is named in a header and the user's OAuth token travels in
X-EBAY-API-IAF-TOKEN. Answers are parsed with defusedxml only: they are outside input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import msgspec
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from sniper.domain.errors import InvalidInput
from sniper.domain.money import Money
from sniper.ebay.endpoints import EbayEndpoints
from sniper.ebay.errors import (
    EbayRequestRejected,
    EbayUnavailable,
    MalformedResponse,
    Unauthorized,
)
from sniper.ebay.parsing import money, ms_from_ebay_date

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # the type only; parsing goes through defusedxml

    from sniper.ebay.transport import EbayTransport

COMPATIBILITY_LEVEL: Final = "1331"
MAX_ENTRIES_PER_PAGE: Final = 200  # eBay's cap for WatchList pagination

# Trading identifies marketplaces by numeric site id.
SITE_IDS: Final[dict[str, int]] = {
    "EBAY_US": 0,
    "EBAY_CA": 2,
    "EBAY_GB": 3,
    "EBAY_AU": 15,
    "EBAY_AT": 16,
    "EBAY_BE": 23,
    "EBAY_FR": 71,
    "EBAY_DE": 77,
    "EBAY_IT": 101,
    "EBAY_NL": 146,
    "EBAY_ES": 186,
    "EBAY_IE": 205,
}

# Trading error codes that mean "this token is no good" (expired, revoked, malformed IAF token).
_TOKEN_ERRORS: Final = frozenset(
    {"931", "932", "16110", "16112", "16118", "16119", "17470", "21916984", "21917053"}
)
# Errors that are eBay's trouble, worth trying again later.
_TRANSIENT_ERRORS: Final = frozenset({"10007", "518", "16100"})


def site_id(marketplace_id: str) -> int:
    try:
        return SITE_IDS[marketplace_id]
    except KeyError:
        raise InvalidInput(
            f"marketplace {marketplace_id!r} has no Trading site id; use one of "
            + ", ".join(sorted(SITE_IDS)),
            field="marketplaceId",
        ) from None


class WatchedItem(msgspec.Struct, frozen=True, kw_only=True):
    legacy_item_id: str
    title: str
    listing_type: str  # Chinese (auction), FixedPriceItem, ...
    end_ms: int | None
    current_price: Money | None
    bid_count: int
    view_item_url: str | None
    image_url: str | None

    @property
    def item_id(self) -> str:
        return f"v1|{self.legacy_item_id}|0"

    @property
    def is_auction(self) -> bool:
        return self.listing_type in ("Chinese", "Auction")


class WatchListPage(msgspec.Struct, frozen=True, kw_only=True):
    items: tuple[WatchedItem, ...]
    page: int
    total_pages: int
    total_entries: int

    @property
    def has_more(self) -> bool:
        return self.page < self.total_pages


def watch_list_request(page: int, entries_per_page: int) -> bytes:
    if page < 1:
        raise ValueError("page numbers start at 1")
    if not 1 <= entries_per_page <= MAX_ENTRIES_PER_PAGE:
        raise ValueError(f"entries per page must be 1..{MAX_ENTRIES_PER_PAGE}")
    # Only integers are interpolated; no outside text ever reaches this document.
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<GetMyeBayBuyingRequest xmlns="urn:ebay:apis:eBLBaseComponents">'
        "<WatchList><Include>true</Include>"
        f"<Pagination><EntriesPerPage>{entries_per_page}</EntriesPerPage>"
        f"<PageNumber>{page}</PageNumber></Pagination>"
        "</WatchList>"
        "<ErrorLanguage>en_US</ErrorLanguage><WarningLevel>High</WarningLevel>"
        "</GetMyeBayBuyingRequest>"
    ).encode()


def _strip_namespaces(root: Element) -> Element:
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]
    return root


def _text(element: Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _int(element: Element | None, path: str, default: int) -> int:
    raw = _text(element, path)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise MalformedResponse(f"eBay sent a non-integer {path}: {raw!r}") from None


def _raise_for_errors(root: Element) -> None:
    ack = _text(root, "Ack")
    if ack in ("Success", "Warning"):
        return
    errors = [e for e in root.findall("Errors") if _text(e, "SeverityCode") != "Warning"]
    first = errors[0] if errors else None
    code = _text(first, "ErrorCode")
    message = _text(first, "LongMessage") or _text(first, "ShortMessage") or f"Ack {ack}"
    error_id = int(code) if code and code.isdigit() else None
    if code in _TOKEN_ERRORS:
        raise Unauthorized(message, error_id=error_id)
    if code in _TRANSIENT_ERRORS:
        raise EbayUnavailable(message, error_id=error_id)
    raise EbayRequestRejected(f"GetMyeBayBuying failed: {message}", error_id=error_id)


def _item(element: Element) -> WatchedItem:
    item_id = _text(element, "ItemID")
    if item_id is None:
        raise MalformedResponse("eBay sent a watched item without an ItemID")
    price_element = element.find("SellingStatus/CurrentPrice")
    price: Money | None = None
    if price_element is not None and price_element.text:
        currency = price_element.get("currencyID")
        if currency is None:
            raise MalformedResponse("eBay sent a CurrentPrice without currencyID")
        price = money(price_element.text.strip(), currency)
    end = _text(element, "ListingDetails/EndTime")
    return WatchedItem(
        legacy_item_id=item_id,
        title=_text(element, "Title") or "",
        listing_type=_text(element, "ListingType") or "",
        end_ms=ms_from_ebay_date(end) if end else None,
        current_price=price,
        bid_count=_int(element, "SellingStatus/BidCount", 0),
        view_item_url=_text(element, "ListingDetails/ViewItemURL"),
        image_url=_text(element, "PictureDetails/GalleryURL"),
    )


def parse_watch_list(body: bytes, page: int) -> WatchListPage:
    try:
        root = _strip_namespaces(fromstring(body))
    except (ParseError, DefusedXmlException) as exc:
        raise MalformedResponse(f"eBay sent unreadable XML: {type(exc).__name__}") from None
    _raise_for_errors(root)
    watch_list = root.find("WatchList")
    items = tuple(_item(e) for e in root.findall("WatchList/ItemArray/Item"))
    return WatchListPage(
        items=items,
        page=page,
        total_pages=_int(watch_list, "PaginationResult/TotalNumberOfPages", 1 if items else 0),
        total_entries=_int(watch_list, "PaginationResult/TotalNumberOfEntries", len(items)),
    )


class TradingApi:
    def __init__(self, http: EbayTransport, endpoints: EbayEndpoints) -> None:
        self._http = http
        self._endpoints = endpoints

    async def watch_list_page(
        self,
        access_token: str,
        marketplace_id: str,
        *,
        page: int = 1,
        entries_per_page: int = 100,
    ) -> WatchListPage:
        answer = await self._http.request(
            "trading",
            "POST",
            self._endpoints.trading_url,
            headers={
                "X-EBAY-API-IAF-TOKEN": access_token,
                "X-EBAY-API-CALL-NAME": "GetMyeBayBuying",
                "X-EBAY-API-SITEID": str(site_id(marketplace_id)),
                "X-EBAY-API-COMPATIBILITY-LEVEL": COMPATIBILITY_LEVEL,
                "Content-Type": "text/xml",
            },
            body=watch_list_request(page, entries_per_page),
            # A read, despite the POST: safe to try once more.
            retry_once=True,
        )
        return parse_watch_list(answer.body, page)

    async def watch_list(
        self, access_token: str, marketplace_id: str, *, entries_per_page: int = 100
    ) -> list[WatchedItem]:
        """Every watched item, page after page."""
        items: list[WatchedItem] = []
        page = 1
        while True:
            result = await self.watch_list_page(
                access_token, marketplace_id, page=page, entries_per_page=entries_per_page
            )
            items.extend(result.items)
            if not result.has_more or not result.items:
                return items
            page += 1
