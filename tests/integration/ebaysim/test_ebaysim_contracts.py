"""The contract checker itself: it must catch what eBay's contracts forbid, or it proves nothing."""

from __future__ import annotations

import json

import pytest

from sniper.devstack.ebaysim import SimulatorServer
from tests.integration.ebaysim.sim_client import Sim
from tests.support.ebay_contracts import (
    ContractViolation,
    exchange_problems,
    needs_contracts,
    validate_request,
    validate_response,
)

API = "https://api.ebay.com"
BID_URL = API + "/buy/offer/v1_beta/bidding/v1%7C123%7C0/place_proxy_bid"
BID_HEADERS = {"Authorization": "Bearer t", "X-EBAY-C-MARKETPLACE-ID": "EBAY_US",
               "Content-Type": "application/json"}  # fmt: skip
GOOD_BID = json.dumps({"maxAmount": {"value": "17.50", "currency": "USD"}}).encode()
# These test the checker against eBay's OpenAPI files; the token and Trading checks need none.
needs_openapi = needs_contracts("offer.openapi.yaml", "browse.openapi.yaml")


@needs_openapi
def test_a_good_bid_request_passes() -> None:
    validate_request("POST", BID_URL, BID_HEADERS, GOOD_BID)


@needs_openapi
@pytest.mark.parametrize(
    ("headers", "body", "why"),
    [
        (
            {k: v for k, v in BID_HEADERS.items() if k != "X-EBAY-C-MARKETPLACE-ID"},
            GOOD_BID,
            "X-EBAY-C-MARKETPLACE-ID",
        ),
        ({k: v for k, v in BID_HEADERS.items() if k != "Authorization"}, GOOD_BID, "Bearer"),
        (BID_HEADERS, b'{"maxAmount": {"value": 17.5, "currency": "USD"}}', "string"),
        (BID_HEADERS, b'{"maxAmmount": {"value": "17.50", "currency": "USD"}}', "maxAmmount"),
    ],
)
def test_bad_bid_requests_are_caught(headers: dict[str, str], body: bytes, why: str) -> None:
    with pytest.raises(ContractViolation, match=why):
        validate_request("POST", BID_URL, headers, body)


@needs_openapi
def test_response_checks() -> None:
    ok = {"Content-Type": "application/json"}
    validate_response("POST", BID_URL, 200, ok, b'{"proxyBidId": "1"}',
                      request_headers=BID_HEADERS, request_body=GOOD_BID)  # fmt: skip
    bidding_url = API + "/buy/offer/v1_beta/bidding/v1%7C123%7C0"
    with pytest.raises(ContractViolation, match="auctionEndTime"):
        validate_response("GET", bidding_url, 200, ok, b'{"auctionEndTime": "x"}',
                          request_headers=BID_HEADERS)  # fmt: skip
    error = {"errors": [{"errorId": 120008, "domain": "API_OFFER", "category": "BUSINESS",
                         "message": "too low"}]}  # fmt: skip
    validate_response("POST", BID_URL, 409, ok, json.dumps(error).encode())
    with pytest.raises(ContractViolation, match="120008 not in"):
        validate_response("POST", BID_URL, 400, ok, json.dumps(error).encode())
    with pytest.raises(ContractViolation, match="envelope"):
        validate_response("POST", BID_URL, 409, ok, b'{"error": "too low"}')
    with pytest.raises(ContractViolation, match="never answers 418"):
        validate_response("POST", BID_URL, 418, ok, json.dumps(error).encode())
    legacy = API + "/buy/browse/v1/item/get_item_by_legacy_id?legacy_item_id=1"
    not_found = {"errors": [{"errorId": 11003, "message": "not found"}]}
    validate_response("GET", legacy, 400, ok, json.dumps(not_found).encode())


def test_token_and_trading_checks() -> None:
    token_url = API + "/identity/v1/oauth2/token"
    with pytest.raises(ContractViolation, match="Basic"):
        validate_request("POST", token_url, {"Content-Type": "application/x-www-form-urlencoded"},
                         b"grant_type=client_credentials&scope=s")  # fmt: skip
    with pytest.raises(ContractViolation, match="no refresh_token"):
        validate_response(
            "POST",
            token_url,
            200,
            {},
            b'{"access_token":"a","expires_in":1,"token_type":"User Access Token",'
            b'"refresh_token":"r"}',
            request_body=b"grant_type=refresh_token",
        )
    trading = {"X-EBAY-API-CALL-NAME": "GetMyeBayBuying", "X-EBAY-API-SITEID": "0",
               "X-EBAY-API-COMPATIBILITY-LEVEL": "1349", "X-EBAY-API-IAF-TOKEN": "t"}  # fmt: skip
    good = (b'<GetMyeBayBuyingRequest xmlns="urn:ebay:apis:eBLBaseComponents"><WatchList>'
            b"<Include>true</Include></WatchList></GetMyeBayBuyingRequest>")  # fmt: skip
    validate_request("POST", API + "/ws/api.dll", trading, good)
    with pytest.raises(ContractViolation, match="WatchedItems"):
        validate_request("POST", API + "/ws/api.dll", trading,
                         good.replace(b"WatchList", b"WatchedItems"))  # fmt: skip


@needs_openapi
@pytest.mark.ebay_invalid_requests
async def test_recorded_exchanges_of_a_whole_session_hold(sim: Sim) -> None:
    """Everything the other tests do is checked by the fixture; here the checker must bite."""
    server: SimulatorServer = sim.server
    item = await sim.auction()
    await sim.place_bid(await sim.token(), item["itemId"], "20.00", headers={})  # 120015
    assert exchange_problems(server.exchanges, allow_invalid_requests=True) == []
    problems = exchange_problems(server.exchanges)
    assert len(problems) == 1 and "X-EBAY-C-MARKETPLACE-ID" in problems[0]
