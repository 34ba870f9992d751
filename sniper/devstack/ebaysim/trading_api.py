"""Trading API GetMyeBayBuying (watch list only), XML in and out as eBay speaks it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

from aiohttp import web
from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from sniper.devstack.ebaysim.clock import ebay_date, iso_duration
from sniper.devstack.ebaysim.engine import Auction
from sniper.devstack.ebaysim.views import view_item_url
from sniper.devstack.ebaysim.wire import ARRIVED_NS, STATE_KEY

NS = "urn:ebay:apis:eBLBaseComponents"
VERSION = "1349"
MAX_ENTRIES_PER_PAGE = 200


@dataclass(frozen=True)
class WatchListRequest:
    include: bool
    entries_per_page: int
    page_number: int


class TradingError(Exception):
    def __init__(self, code: int, short: str, long: str, classification: str = "RequestError"):
        super().__init__(long)
        self.code, self.short, self.long, self.classification = code, short, long, classification


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def parse_request(body: bytes) -> WatchListRequest | None:
    """The WatchList container of a GetMyeBayBuyingRequest (None when not asked for)."""
    try:
        root = SafeElementTree.fromstring(body)
    except (SafeElementTree.ParseError, DefusedXmlException) as exc:
        raise TradingError(5, "XML Parse error.", f'XML Error Text: "{exc}".') from None
    if root.tag != _q("GetMyeBayBuyingRequest"):
        raise TradingError(
            2,
            "Unsupported API call.",
            f'The API call "{root.tag}" is invalid or not supported in this release.',
        )
    watch = root.find(_q("WatchList"))
    if watch is None:
        return None
    include = (watch.findtext(_q("Include")) or "true").strip().lower() == "true"
    entries = _int(
        watch.findtext(f"{_q('Pagination')}/{_q('EntriesPerPage')}"), 25, "EntriesPerPage"
    )
    page = _int(watch.findtext(f"{_q('Pagination')}/{_q('PageNumber')}"), 1, "PageNumber")
    if not 1 <= entries <= MAX_ENTRIES_PER_PAGE or page < 1:
        raise TradingError(
            37,
            "Input data is invalid.",
            "Input data for tag <Pagination> is invalid or missing. "
            "Please check API documentation.",
        )
    return WatchListRequest(include, entries, page)


def _int(text: str | None, default: int, tag: str) -> int:
    if text is None or not text.strip():
        return default
    try:
        return int(text.strip())
    except ValueError:
        raise TradingError(
            37,
            "Input data is invalid.",
            f"Input data for tag <{tag}> is invalid or missing. Please check API documentation.",
        ) from None


def _envelope(now_ns: int, ack: str) -> Element:
    root = Element("GetMyeBayBuyingResponse", {"xmlns": NS})
    SubElement(root, "Timestamp").text = ebay_date(now_ns)
    SubElement(root, "Ack").text = ack
    return root


def _finish(root: Element) -> bytes:
    SubElement(root, "Version").text = VERSION
    SubElement(root, "Build").text = "E1349_CORE_APISIGNIN_19151597_R1"
    document: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + document


def error_document(error: TradingError, now_ns: int) -> bytes:
    root = _envelope(now_ns, "Failure")
    errors = SubElement(root, "Errors")
    SubElement(errors, "ShortMessage").text = error.short
    SubElement(errors, "LongMessage").text = error.long
    SubElement(errors, "ErrorCode").text = str(error.code)
    SubElement(errors, "SeverityCode").text = "Error"
    SubElement(errors, "ErrorClassification").text = error.classification
    return _finish(root)


def _money(parent: Element, tag: str, value: str, currency: str) -> None:
    SubElement(parent, tag, {"currencyID": currency}).text = value


def _item(parent: Element, auction: Auction, now_ns: int) -> None:
    node = SubElement(parent, "Item")
    if auction.buy_it_now_price is not None and not auction.fixed_price_only:
        _money(node, "BuyItNowPrice", auction.buy_it_now_price.value, auction.currency)
    SubElement(node, "ItemID").text = auction.legacy_item_id
    details = SubElement(node, "ListingDetails")
    SubElement(details, "StartTime").text = ebay_date(auction.created_ns)
    SubElement(details, "ViewItemURL").text = view_item_url(auction)
    SubElement(details, "EndTime").text = ebay_date(
        auction.ended_by_buy_it_now_ns or auction.end_ns
    )
    SubElement(node, "ListingType").text = (
        "FixedPriceItem" if auction.fixed_price_only else "Chinese"
    )
    status = SubElement(node, "SellingStatus")
    if not auction.fixed_price_only:
        SubElement(status, "BidCount").text = str(auction.bid_count)
    _money(status, "CurrentPrice", auction.price.value, auction.currency)
    _money(status, "ConvertedCurrentPrice", auction.price.value, auction.currency)
    remaining = 0 if auction.ended(now_ns) else math.ceil((auction.end_ns - now_ns) / 1e9)
    SubElement(node, "TimeLeft").text = iso_duration(remaining)
    SubElement(node, "Title").text = auction.title
    pictures = SubElement(node, "PictureDetails")
    SubElement(pictures, "GalleryURL").text = auction.image_url


def watch_list_document(
    auctions: list[Auction], request: WatchListRequest | None, now_ns: int
) -> bytes:
    root = _envelope(now_ns, "Success")
    if request is not None and request.include:
        start = (request.page_number - 1) * request.entries_per_page
        page = auctions[start : start + request.entries_per_page]
        watch = SubElement(root, "WatchList")
        if page:
            array = SubElement(watch, "ItemArray")
            for auction in page:
                _item(array, auction, now_ns)
        pagination = SubElement(watch, "PaginationResult")
        pages = math.ceil(len(auctions) / request.entries_per_page)
        SubElement(pagination, "TotalNumberOfPages").text = str(pages)
        SubElement(pagination, "TotalNumberOfEntries").text = str(len(auctions))
    return _finish(root)


def _xml(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="text/xml", charset="utf-8")


async def handle(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    now = request[ARRIVED_NS]
    call = request.headers.get("X-EBAY-API-CALL-NAME")
    try:
        if call != "GetMyeBayBuying":
            raise TradingError(
                2,
                "Unsupported API call.",
                f'The API call "{call}" is invalid or not supported in this release.',
            )
        missing = [
            name
            for name in ("X-EBAY-API-SITEID", "X-EBAY-API-COMPATIBILITY-LEVEL")
            if not request.headers.get(name)
        ]
        if missing:
            raise TradingError(
                10012, "Invalid value for header.", f"Header {missing[0]} is missing or invalid."
            )
        grant = state.accounts.authenticate(request.headers.get("X-EBAY-API-IAF-TOKEN", ""), now)
        if grant is None or grant.username is None:
            raise TradingError(
                21916984, "Invalid IAF token.", "IAF token supplied is invalid.", "RequestError"
            )
        parsed = parse_request(await request.read())
    except TradingError as error:
        return _xml(error_document(error, now))
    item_ids = state.watchlists.get(grant.username, [])
    auctions = [a for a in (state.find_auction(i) for i in item_ids) if a is not None]
    return _xml(watch_list_document(auctions, parsed, now))
