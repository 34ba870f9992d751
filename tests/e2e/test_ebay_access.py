"""An application eBay has not approved for bidding, through the whole local stack: the user
links, the status says `denied`, a snipe fails EBAY_APP_NOT_APPROVED, and exactly one email says
what to do. Nowhere is the user told to link again: that would not help."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from sniper.devstack.local.stack import LocalStack
from tests.fixtures.stack import ApiUserFactory

RELINK_ADVICE = re.compile(r"link (it |your (ebay )?account )?again|re-?link|reconnect", re.I)


async def _admin(stack: LocalStack, method: str, path: str, body: Any = None) -> Any:
    assert stack.ebay is not None
    async with (
        aiohttp.ClientSession(base_url=stack.ebay.url) as http,
        http.request(method, path, json=body) as answer,
    ):
        assert answer.status < 300, await answer.text()
        return await answer.json()


async def test_an_unapproved_application_fails_the_snipe_with_one_email_saying_what_to_do(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    stack = clean_stack
    assert stack.postmark is not None
    await _admin(stack, "PUT", "/sim/bidding-approval", {"approved": False})
    user = await api_user(name="Ada Waiting")
    await _admin(stack, "POST", "/sim/users", {"username": "waiting_buyer"})
    # Closes soon: inside the schedule's lead, so the snipe is handed to the executor at once.
    auction = await _admin(
        stack, "POST", "/sim/auctions",
        {"title": "A Rolleiflex 2.8F", "startPrice": "10.00", "endsInSeconds": 14},
    )  # fmt: skip
    await _admin(stack, "PUT", "/sim/watchlist/waiting_buyer", {"itemIds": [auction["itemId"]]})

    # Linking succeeds: the consent, the code, the callback.
    async with user.client.get("/ebay/auth/url") as answer:
        consent = await answer.json()
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(consent["url"] + "&username=waiting_buyer", allow_redirects=False) as page,
    ):
        redirect = parse_qs(urlsplit(page.headers["Location"]).query)
    grant = {"code": redirect["code"][0], "state": redirect["state"][0]}
    async with user.client.post("/ebay/auth/callback", json=grant) as answer:
        assert answer.status == 200
    async with user.client.get("/ebay/auth/status") as answer:
        status = await answer.json()
    assert status["linked"] is True and status["broken"] is False
    assert status["biddingAccess"] == "denied"
    assert not RELINK_ADVICE.search(status["biddingAccessDetail"])

    request = {"itemId": auction["itemId"], "maxBid": {"value": "25.00", "currency": "USD"},
               "offsetSeconds": 2}  # fmt: skip
    async with user.client.post("/bids", json=request) as answer:
        assert answer.status == 201, await answer.text()
        bid_id = (await answer.json())["bidId"]

    # The outcome email is the last thing the snipe causes; wait for it, then look at all.
    [email] = await stack.postmark.wait_for(1, timeout_s=60)
    async with user.client.get(f"/bids/{bid_id}") as answer:
        snipe = await answer.json()
    assert (snipe["status"], snipe["reason"]) == ("FAILED", "EBAY_APP_NOT_APPROVED")
    assert email["To"] == f"{user.username}@example.com"
    assert email["Subject"] == "Snipe failed: A Rolleiflex 2.8F"
    for body in (email["TextBody"], email["HtmlBody"]):
        assert "production access" in body and "sandbox" in body
        assert not RELINK_ADVICE.search(body), body
    # One bid reached eBay, and eBay's gateway refused it for the application.
    bids = await _admin(stack, "GET", f"/sim/bids?itemId={auction['itemId']}")
    assert [(b["status"], b["errorId"]) for b in bids["bids"]] == [(403, 1100)]
    assert len(stack.postmark.messages()) == 1  # and no "link your account again" email
