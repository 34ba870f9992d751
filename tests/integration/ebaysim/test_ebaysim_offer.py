"""Buy Offer over HTTP: placeProxyBid and getBidding, and every errorId the simulator produces."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.integration.ebaysim.sim_client import Sim


async def test_place_bid_then_get_bidding(sim: Sim) -> None:
    item = await sim.auction(startPrice="10.00")
    token = await sim.token("buyer")
    status, body = await sim.place_bid(token, item["itemId"], "17.50")
    assert status == 200 and body["proxyBidId"]
    status, bidding = await sim.bidding(token, item["itemId"])
    assert status == 200
    assert bidding["auctionStatus"] == "ACTIVE"
    assert bidding["highBidder"] is True
    assert bidding["currentPrice"] == {"value": "10.00", "currency": "USD"}
    assert bidding["currentProxyBid"] == {
        "maxAmount": {"value": "17.50", "currency": "USD"},
        "proxyBidId": body["proxyBidId"],
    }
    assert bidding["suggestedBidAmounts"][0] == {"value": "10.50", "currency": "USD"}


async def test_a_rival_outbids_by_proxy(sim: Sim) -> None:
    item = await sim.auction(startPrice="10.00")
    token = await sim.token("buyer")
    await sim.place_bid(token, item["itemId"], "20.00")
    status, outcome = await sim.rival(item["itemId"], "rival", "25.00")
    assert status == 200 and outcome["accepted"]
    _, bidding = await sim.bidding(token, item["itemId"])
    assert bidding["highBidder"] is False
    assert bidding["currentPrice"]["value"] == "20.50"


@pytest.mark.slow
async def test_get_bidding_after_the_close_says_ended_and_who_won(sim: Sim) -> None:
    item = await sim.auction(startPrice="5.00", endsInSeconds=0.6)
    token = await sim.token("buyer")
    await sim.place_bid(token, item["itemId"], "9.00")
    await sim.rival(item["itemId"], "rival", "7.00")
    await asyncio.sleep(0.7)  # real time is what closes the auction
    _, bidding = await sim.bidding(token, item["itemId"])
    assert bidding["auctionStatus"] == "ENDED"
    assert bidding["highBidder"] is True
    assert bidding["currentPrice"]["value"] == "7.50"  # 7.00 + 0.50
    assert "suggestedBidAmounts" not in bidding
    status, body = await sim.place_bid(token, item["itemId"], "50.00")
    assert (status, Sim.error_id(body)) == (409, 120012)


async def test_get_bidding_without_a_bid_is_120033(sim: Sim) -> None:
    item = await sim.auction()
    status, body = await sim.bidding(await sim.token("buyer"), item["itemId"])
    assert (status, Sim.error_id(body)) == (404, 120033)


@pytest.mark.parametrize(
    ("value", "currency", "status", "expected"),
    [
        ("9.00", "USD", 409, 120008),  # below the start price
        ("20.00", "GBP", 409, 120009),  # not the listing's currency
        ("abc", "USD", 400, 120013),
        ("-5.00", "USD", 400, 120013),
        ("20.00", "XYZ", 400, 120014),
        ("20.005", "USD", 409, 120018),  # the contract lists it under 409
    ],
)
async def test_amount_errors(
    sim: Sim, value: str, currency: str, status: int, expected: int
) -> None:
    item = await sim.auction(startPrice="10.00")
    got_status, body = await sim.place_bid(
        await sim.token("buyer"), item["itemId"], value, currency
    )
    assert (got_status, Sim.error_id(body)) == (status, expected)
    assert body["errors"][0]["domain"] == "API_OFFER"


async def test_missing_max_amount_is_120016(sim: Sim) -> None:
    item = await sim.auction()
    status, body = await sim.place_bid(await sim.token(), item["itemId"], None, body={})
    assert (status, Sim.error_id(body)) == (400, 120016)


async def test_unknown_item_is_120001(sim: Sim) -> None:
    status, body = await sim.place_bid(await sim.token(), "v1|999999999|0", "20.00")
    assert (status, Sim.error_id(body)) == (404, 120001)


async def test_fixed_price_listing_is_not_an_auction(sim: Sim) -> None:
    item = await sim.auction(listingFormat="FIXED_PRICE")
    status, body = await sim.place_bid(await sim.token(), item["itemId"], "20.00")
    assert (status, Sim.error_id(body)) == (404, 120001)


async def test_buy_it_now_ended_auction_is_120002(sim: Sim) -> None:
    item = await sim.auction(buyItNowPrice="50.00")
    status, _ = await sim.admin("POST", f"/sim/auctions/{item['legacyItemId']}/buy-it-now",
                                {"buyer": "someone"})  # fmt: skip
    assert status == 200
    status, body = await sim.place_bid(await sim.token(), item["itemId"], "20.00")
    assert (status, Sim.error_id(body)) == (409, 120002)


async def test_seller_cannot_bid_120003(sim: Sim) -> None:
    item = await sim.auction(seller="the_seller")
    status, body = await sim.place_bid(await sim.token("the_seller"), item["itemId"], "20.00")
    assert (status, Sim.error_id(body)) == (409, 120003)


async def test_cannot_lower_120010(sim: Sim) -> None:
    item = await sim.auction()
    token = await sim.token()
    await sim.place_bid(token, item["itemId"], "30.00")
    status, body = await sim.place_bid(token, item["itemId"], "20.00")
    assert (status, Sim.error_id(body)) == (409, 120010)


async def test_adult_items_need_consent_and_permission(sim: Sim) -> None:
    item = await sim.auction(adultOnly=True)
    token = await sim.token("adult_buyer")
    status, body = await sim.place_bid(token, item["itemId"], "20.00")
    assert (status, Sim.error_id(body)) == (409, 120032)
    consenting = {"maxAmount": {"value": "20.00", "currency": "USD"},
                  "userConsent": {"adultOnlyItem": True}}  # fmt: skip
    status, _ = await sim.place_bid(token, item["itemId"], None, body=consenting)
    assert status == 200
    await sim.admin("POST", "/sim/users", {"username": "minor", "adultAllowed": False})
    minor = await sim.token("minor")
    status, body = await sim.place_bid(minor, item["itemId"], None, body=consenting)
    assert (status, Sim.error_id(body)) == (409, 120021)


@pytest.mark.ebay_invalid_requests
async def test_marketplace_header_errors(sim: Sim) -> None:
    item = await sim.auction()
    token = await sim.token()
    status, body = await sim.place_bid(token, item["itemId"], "20.00", headers={})
    assert (status, Sim.error_id(body)) == (400, 120015)
    status, body = await sim.place_bid(token, item["itemId"], "20.00",
                                       headers={"X-EBAY-C-MARKETPLACE-ID": "EBAY_XX"})  # fmt: skip
    assert (status, Sim.error_id(body)) == (400, 120017)


@pytest.mark.ebay_invalid_requests
async def test_missing_or_bad_token_is_401(sim: Sim) -> None:
    item = await sim.auction()
    status, body = await sim.place_bid(None, item["itemId"], "20.00")
    assert (status, Sim.error_id(body)) == (401, 1001)
    status, body = await sim.place_bid("v^1.1#forged", item["itemId"], "20.00")
    assert status == 401


async def test_application_token_cannot_bid(sim: Sim) -> None:
    item = await sim.auction()
    async with sim.http.post(
        sim.url + "/identity/v1/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "https://api.ebay.com/oauth/api_scope"},
        headers={"Authorization": aiohttp.encode_basic_auth("app", "secret")},
    ) as response:
        app_token = (await response.json())["access_token"]
    status, body = await sim.place_bid(app_token, item["itemId"], "20.00")
    assert (status, Sim.error_id(body)) == (403, 1100)


async def test_bid_log_records_arrival_order_and_nanosecond_times(sim: Sim) -> None:
    item = await sim.auction()
    token = await sim.token("buyer")
    before = time.time_ns()
    await sim.place_bid(token, item["itemId"], "11.00")
    await sim.place_bid(token, item["itemId"], "5.00")  # refused: cannot lower
    await sim.rival(item["itemId"], "rival", "30.00")
    after = time.time_ns()
    status, log = await sim.admin("GET", f"/sim/bids?itemId={item['legacyItemId']}")
    assert status == 200
    bids = log["bids"]
    assert [(b["bidder"], b["amount"], b["status"], b["errorId"], b["source"]) for b in bids] == [
        ("buyer", "11.00", 200, None, "api"),
        ("buyer", "5.00", 409, 120010, "api"),
        ("rival", "30.00", 200, None, "rival"),
    ]
    times = [b["arrivedNs"] for b in bids]
    assert before <= times[0] < times[1] < times[2] <= after
