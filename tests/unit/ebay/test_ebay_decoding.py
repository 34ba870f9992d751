"""Request encoding and answer decoding, without the network."""

from __future__ import annotations

import subprocess
import sys

import msgspec
import pytest

from sniper.domain.errors import InvalidInput
from sniper.domain.money import Money
from sniper.ebay import errors
from sniper.ebay.browse import decode_item
from sniper.ebay.offer import (
    offer_headers,
    place_proxy_bid_body,
    read_bidding,
    read_place_proxy_bid,
)
from sniper.ebay.parsing import ms_from_ebay_date
from sniper.ebay.trading import SITE_IDS, parse_watch_list, site_id, watch_list_request


def test_proxy_bid_body_is_exactly_what_ebay_expects() -> None:
    assert place_proxy_bid_body(Money("17.5", "USD")) == (
        b'{"maxAmount":{"value":"17.50","currency":"USD"}}'
    )
    assert place_proxy_bid_body(Money("1500", "JPY"), adult_only=True) == (
        b'{"maxAmount":{"value":"1500","currency":"JPY"},"userConsent":{"adultOnlyItem":true}}'
    )


def test_offer_headers() -> None:
    headers = offer_headers("tok", "EBAY_GB", with_body=True)
    assert headers["X-EBAY-C-MARKETPLACE-ID"] == "EBAY_GB"
    assert headers["Content-Type"] == "application/json"
    assert headers["Authorization"] == "Bearer tok"
    assert "Content-Type" not in offer_headers("tok", "EBAY_GB", with_body=False)


def test_read_place_proxy_bid() -> None:
    assert read_place_proxy_bid(200, {}, b'{"proxyBidId":"pb-1"}') == "pb-1"
    with pytest.raises(errors.BidTooLow) as caught:
        read_place_proxy_bid(409, {}, b'{"errors":[{"errorId":120008,"message":"too low"}]}')
    assert caught.value.error_id == 120008
    with pytest.raises(errors.MalformedResponse):
        read_place_proxy_bid(200, {}, b"<html>")


def test_read_bidding() -> None:
    body = msgspec.json.encode(
        {
            "itemId": "v1|123456789012|0",
            "auctionStatus": "ENDED",
            "highBidder": True,
            "currentPrice": {"value": "12.50", "currency": "USD"},
            "bidCount": 4,
            "currentProxyBid": {
                "proxyBidId": "pb-9",
                "maxAmount": {"value": "20.00", "currency": "USD"},
            },
            "auctionEndDate": "2030-01-02T03:04:05.678Z",
            "reservePriceMet": True,
        }
    )
    bidding = read_bidding(200, {}, body, "v1|123456789012|0")
    assert bidding.won
    assert bidding.current_price == Money("12.50", "USD")
    assert bidding.max_amount == Money("20", "USD")
    assert bidding.proxy_bid_id == "pb-9"
    assert bidding.bid_count == 4
    assert bidding.auction_end_ms == 1893553445678
    not_met = read_bidding(
        200, {}, body.replace(b'"reservePriceMet":true', b'"reservePriceMet":false'), "x"
    )
    assert not not_met.won
    with pytest.raises(errors.NoBiddingActivity):
        read_bidding(404, {}, b'{"errors":[{"errorId":120033}]}', "x")


def test_decode_item_prefers_the_listing_currency_over_a_conversion() -> None:
    body = msgspec.json.encode(
        {
            "itemId": "v1|123456789012|0",
            "legacyItemId": "123456789012",
            "title": "Lens",
            "buyingOptions": ["AUCTION", "FIXED_PRICE"],
            "currentBidPrice": {
                "value": "13.80",
                "currency": "USD",
                "convertedFromValue": "10.00",
                "convertedFromCurrency": "GBP",
            },
            "minimumPriceToBid": {"value": "10.50", "currency": "GBP"},
            "price": {"value": "50.00", "currency": "GBP"},
            "bidCount": 2,
            "itemEndDate": "2030-01-01T00:00:00.000Z",
            "reservePriceMet": False,
            "adultOnly": False,
            "listingMarketplaceId": "EBAY_GB",
            "seller": {"username": "lens_shop"},
            "image": {"imageUrl": "https://i.ebayimg.com/x.jpg"},
            "itemWebUrl": "https://www.ebay.co.uk/itm/123456789012",
            "unknownField": 1,
        }
    )
    item = decode_item(body)
    assert item.is_auction
    assert item.currency == "GBP"
    assert item.current_bid_price == Money("10", "GBP")
    assert item.minimum_price_to_bid == Money("10.50", "GBP")
    assert item.price == Money("50", "GBP")
    assert item.item_end_ms == 1893456000000
    assert item.reserve_price_met is False
    assert item.seller_username == "lens_shop"
    assert item.image_url == "https://i.ebayimg.com/x.jpg"
    assert item.marketplace_id == "EBAY_GB"
    # Two bids at 10.00: one step of the UK table up.
    assert item.next_minimum_bid == Money("10.50", "GBP")


def test_decode_item_minimal_fixed_price() -> None:
    item = decode_item(
        b'{"itemId":"v1|123456789012|0","price":{"value":"5.00","currency":"EUR"},'
        b'"buyingOptions":["FIXED_PRICE"]}'
    )
    assert not item.is_auction
    assert item.current_bid_price is None
    assert item.item_end_ms is None
    assert item.legacy_item_id == "123456789012"
    assert item.currency == "EUR"


@pytest.mark.parametrize(
    "body",
    [
        b"{}",
        b'{"itemId":"v1|1|0"}',
        b"[",
        b'{"itemId":"v1|123456789012|0","price":{"value":"-1","currency":"USD"}}',
    ],
)
def test_decode_item_rejects_what_it_cannot_read(body: bytes) -> None:
    with pytest.raises((errors.MalformedResponse, InvalidInput)):
        decode_item(body)


def test_iso_dates_are_exact_to_the_millisecond() -> None:
    assert ms_from_ebay_date("1970-01-01T00:00:00.001Z") == 1
    assert ms_from_ebay_date("2024-05-01T12:00:00.123Z") == 1714564800123
    assert ms_from_ebay_date("2024-05-01T12:00:00") == 1714564800000
    with pytest.raises(errors.MalformedResponse):
        ms_from_ebay_date("yesterday")


def test_site_ids() -> None:
    assert site_id("EBAY_US") == 0
    assert site_id("EBAY_DE") == 77
    assert len(SITE_IDS) == 12
    with pytest.raises(InvalidInput):
        site_id("EBAY_XX")


def test_watch_list_request() -> None:
    body = watch_list_request(2, 50)
    assert b"<EntriesPerPage>50</EntriesPerPage>" in body
    assert b"<PageNumber>2</PageNumber>" in body
    assert b'xmlns="urn:ebay:apis:eBLBaseComponents"' in body
    with pytest.raises(ValueError, match="entries"):
        watch_list_request(1, 201)


WATCH_LIST = b"""<?xml version="1.0" encoding="UTF-8"?>
<GetMyeBayBuyingResponse xmlns="urn:ebay:apis:eBLBaseComponents">
  <Timestamp>2030-01-01T00:00:00.000Z</Timestamp><Ack>Success</Ack>
  <WatchList>
    <ItemArray>
      <Item><ItemID>123456789012</ItemID>
        <ListingDetails><EndTime>2030-01-02T00:00:00.000Z</EndTime>
          <ViewItemURL>https://www.ebay.com/itm/123456789012</ViewItemURL></ListingDetails>
        <ListingType>Chinese</ListingType>
        <SellingStatus><BidCount>3</BidCount><CurrentPrice currencyID="USD">7.5</CurrentPrice></SellingStatus>
        <Title>Old camera</Title><PictureDetails><GalleryURL>https://i/x.jpg</GalleryURL></PictureDetails>
      </Item>
      <Item><ItemID>223456789012</ItemID><ListingType>FixedPriceItem</ListingType><Title>Box</Title></Item>
    </ItemArray>
    <PaginationResult><TotalNumberOfPages>3</TotalNumberOfPages>
      <TotalNumberOfEntries>6</TotalNumberOfEntries></PaginationResult>
  </WatchList>
</GetMyeBayBuyingResponse>"""


def test_parse_watch_list() -> None:
    page = parse_watch_list(WATCH_LIST, 1)
    assert (page.page, page.total_pages, page.total_entries, page.has_more) == (1, 3, 6, True)
    first, second = page.items
    assert first.item_id == "v1|123456789012|0"
    assert first.is_auction
    assert first.current_price == Money("7.50", "USD")
    assert first.bid_count == 3
    assert first.end_ms == 1893542400000
    assert first.view_item_url == "https://www.ebay.com/itm/123456789012"
    assert first.image_url == "https://i/x.jpg"
    assert not second.is_auction
    assert second.current_price is None


def test_watch_list_token_failure_is_unauthorized() -> None:
    body = (
        b'<GetMyeBayBuyingResponse xmlns="urn:ebay:apis:eBLBaseComponents"><Ack>Failure</Ack>'
        b"<Errors><ShortMessage>Invalid IAF token.</ShortMessage><ErrorCode>21916984</ErrorCode>"
        b"<SeverityCode>Error</SeverityCode></Errors></GetMyeBayBuyingResponse>"
    )
    with pytest.raises(errors.Unauthorized) as caught:
        parse_watch_list(body, 1)
    assert caught.value.error_id == 21916984


def test_watch_list_other_failure_is_a_rejection() -> None:
    body = (
        b"<GetMyeBayBuyingResponse><Ack>Failure</Ack><Errors><LongMessage>Input data is "
        b"invalid.</LongMessage><ErrorCode>37</ErrorCode><SeverityCode>Error</SeverityCode>"
        b"</Errors></GetMyeBayBuyingResponse>"
    )
    with pytest.raises(errors.EbayRequestRejected, match="Input data"):
        parse_watch_list(body, 1)


def test_empty_watch_list() -> None:
    page = parse_watch_list(
        b"<GetMyeBayBuyingResponse><Ack>Success</Ack></GetMyeBayBuyingResponse>", 1
    )
    assert page.items == ()
    assert not page.has_more


@pytest.mark.parametrize(
    "hostile",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<r>&b;</r>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        b"<unclosed>",
    ],
)
def test_hostile_or_broken_xml_is_refused(hostile: bytes) -> None:
    with pytest.raises(errors.MalformedResponse):
        parse_watch_list(hostile, 1)


def test_executor_facing_modules_import_without_aiohttp() -> None:
    code = (
        "import sys\n"
        "import sniper.ebay.wire, sniper.ebay.offer, sniper.ebay.errors, sniper.ebay.endpoints\n"
        "assert 'aiohttp' not in sys.modules, 'aiohttp was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
