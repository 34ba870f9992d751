"""The eBay client against the simulator: OAuth, Browse, Offer, Trading, Identity.

Every request our client sends is recorded (aiohttp trace) and held to eBay's contracts at
teardown (where a contract is not here, that check is noted as skipped); the `ebay_sim` fixture independently checks everything the simulator served.
Run with `-p tests.fixtures.ebay`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from sniper.devstack.ebaysim import SimulatorServer
from sniper.domain import errors as domain
from sniper.domain.money import Money
from sniper.ebay import errors
from sniper.ebay.client import EbayClient
from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import endpoints_for
from sniper.ebay.http import EbayHttp
from sniper.ebay.oauth import USER_SCOPES
from sniper.ebay.transport import EbayTransport
from tests.support.ebay_contracts import check_request

SECRET = "sim-secret-never-logged"
CREDENTIALS = AppCredentials(
    client_id="sniper-test-app", client_secret=SECRET, ru_name="Sniper_Test-RuName"
)
TIMEOUT_S = 0.5


class RequestRecorder:
    """What the client put on the wire, taken from aiohttp's own tracing hooks."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self._bodies: dict[int, list[bytes]] = {}
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_chunk_sent.append(self._chunk)
        self.trace.on_request_end.append(self._end)
        self.trace.on_request_exception.append(self._end)

    async def _chunk(self, _s: Any, ctx: Any, params: aiohttp.TraceRequestChunkSentParams) -> None:
        self._bodies.setdefault(id(ctx), []).append(params.chunk)

    async def _end(self, _s: Any, ctx: Any, params: Any) -> None:
        body = b"".join(self._bodies.pop(id(ctx), []))
        self.requests.append((params.method, str(params.url), dict(params.headers), body))


@pytest.fixture
def recorder() -> RequestRecorder:
    return RequestRecorder()


@pytest.fixture
async def client(ebay_sim: SimulatorServer, recorder: RequestRecorder) -> AsyncIterator[EbayClient]:
    http: EbayTransport = EbayHttp(
        connect_timeout_s=TIMEOUT_S, total_timeout_s=TIMEOUT_S, trace_configs=[recorder.trace]
    )
    ebay = EbayClient(endpoints_for("local", ebay_sim.url), CREDENTIALS, http)
    yield ebay
    await ebay.close()
    for method, url, headers, body in recorder.requests:
        check_request(method, url, headers, body)


@pytest.fixture
async def admin(ebay_sim: SimulatorServer) -> AsyncIterator[Admin]:
    async with aiohttp.ClientSession(base_url=ebay_sim.url) as session:
        yield Admin(session)


class Admin:
    """The simulator's /sim/ control API."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def call(self, method: str, path: str, body: Any = None, ok: int = 200) -> Any:
        async with self.session.request(method, path, json=body) as response:
            payload = await response.json()
            assert response.status in (ok, 200, 201, 202), payload
            return payload

    async def user(self, username: str) -> str:
        await self.call("POST", "/sim/users", {"username": username})
        tokens = await self.call("POST", "/sim/tokens", {"username": username})
        return str(tokens["access_token"])

    async def auction(self, **fields: Any) -> dict[str, Any]:
        body = {
            "title": "Vintage camera",
            "currency": "USD",
            "marketplaceId": "EBAY_US",
            "startPrice": "10.00",
            "endsInSeconds": 600,
            **fields,
        }
        result: dict[str, Any] = await self.call("POST", "/sim/auctions", body)
        return result

    async def bidder_and_item(self, username: str, **fields: Any) -> tuple[str, str]:
        """A new bidder's access token, and the item id of a new auction."""
        return await self.user(username), (await self.auction(**fields))["itemId"]

    async def fault(self, **fields: Any) -> None:
        await self.call("POST", "/sim/faults", fields)

    async def bids(self, item_id: str) -> list[dict[str, Any]]:
        result = await self.call("GET", f"/sim/bids?itemId={item_id}")
        return list(result["bids"])


async def bid_twelve_dollars(
    client: EbayClient, token: str, item_id: str, *, adult_only: bool = False
) -> str:
    return await client.offer.place_proxy_bid(
        token, item_id, "EBAY_US", Money("12.00", "USD"), adult_only=adult_only
    )


def operations(sim: SimulatorServer, name: str) -> list[Any]:
    return [e for e in sim.exchanges if e.operation == name]


# --- OAuth ----------------------------------------------------------------------------------


async def consent(client: EbayClient, username: str, state: str) -> str:
    """Play the user's browser on the consent page; return the code from the redirect."""
    url = client.oauth.consent_url(state) + f"&username={username}"
    async with aiohttp.ClientSession() as browser, browser.get(url, allow_redirects=False) as page:
        assert page.status == 302
        query = parse_qs(urlsplit(page.headers["Location"]).query)
    assert query["state"] == [state]
    return query["code"][0]


async def test_full_oauth_round_trip_and_refresh(
    client: EbayClient, ebay_sim: SimulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before_ms = time.time_ns() // 1_000_000
    code = await consent(client, "alice", "csrf-123")
    tokens = await client.oauth.exchange_code(code)
    assert tokens.scopes == USER_SCOPES
    assert tokens.access_expires_ms >= before_ms + 7_000_000  # the simulator's 7200 s
    assert tokens.refresh_expires_ms >= before_ms + 47_000_000_000  # 18 months

    user = await client.identity.get_user(tokens.access_token)
    assert user.username == "alice"
    assert user.user_id

    refreshed = await client.oauth.refresh(tokens)
    assert refreshed.access_token != tokens.access_token
    # eBay does not rotate refresh tokens: the old one and its expiry carry over.
    assert refreshed.refresh_token == tokens.refresh_token
    assert refreshed.refresh_expires_ms == tokens.refresh_expires_ms
    assert (await client.identity.get_user(refreshed.access_token)).username == "alice"

    # A consent code is single-use.
    with pytest.raises(errors.InvalidGrant):
        await client.oauth.exchange_code(code)

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "token" in logged  # the debug log did run ...
    for secret in (SECRET, code, tokens.access_token, tokens.refresh_token, refreshed.access_token):
        assert secret not in logged  # ... without a single secret in it


async def test_revoked_grant_is_invalid_grant_and_a_broken_link(
    client: EbayClient, admin: Admin
) -> None:
    code = await consent(client, "bob", "s")
    tokens = await client.oauth.exchange_code(code)
    await admin.call("POST", "/sim/users/bob/revoke")
    with pytest.raises(errors.InvalidGrant) as caught:
        await client.oauth.refresh(tokens)
    assert isinstance(caught.value, domain.EbayLinkBroken)
    with pytest.raises(errors.Unauthorized):
        await client.identity.get_user(tokens.access_token)


async def test_wrong_client_secret_is_invalid_client(ebay_sim: SimulatorServer) -> None:
    # The session simulator accepts any secret; this one is configured to check it.
    from sniper.devstack.ebaysim import SimConfig

    async with SimulatorServer(
        config=SimConfig(client_id="sniper-test-app", client_secret="right", record_exchanges=False)
    ) as strict:
        ebay = EbayClient(endpoints_for("local", strict.url), CREDENTIALS, EbayHttp())
        try:
            with pytest.raises(errors.InvalidClient):
                await ebay.oauth.app_token()
        finally:
            await ebay.close()


async def test_application_token_is_cached(
    client: EbayClient, admin: Admin, ebay_sim: SimulatorServer
) -> None:
    item = await admin.auction()
    first = await client.oauth.app_token()
    await client.browse.get_item(item["itemId"])
    await client.browse.get_item(item["legacyItemId"])
    assert (await client.oauth.app_token()) is first
    assert len(operations(ebay_sim, "token")) == 1


# --- Browse ---------------------------------------------------------------------------------


async def test_get_item_in_both_id_forms(
    client: EbayClient, admin: Admin, ebay_sim: SimulatorServer
) -> None:
    created = await admin.auction(
        title="Leica M3",
        startPrice="100.00",
        reservePrice="300.00",
        buyItNowPrice="900.00",
        seller="camera_shop",
    )
    item = await client.browse.get_item(created["itemId"])
    assert item.item_id == created["itemId"]
    assert item.legacy_item_id == created["legacyItemId"]
    assert item.title == "Leica M3"
    assert item.is_auction
    assert item.currency == "USD"
    assert item.current_bid_price == Money("100.00", "USD")
    assert item.bid_count == 0
    assert item.reserve_price_met is False
    assert item.seller_username == "camera_shop"
    assert item.marketplace_id == "EBAY_US"
    end = datetime.fromisoformat(created["itemEndDate"])
    assert item.item_end_ms == (end - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    # The pipes travelled percent-encoded.
    assert any("%7C" in e.raw_path.upper() for e in operations(ebay_sim, "getItem"))

    assert await client.browse.get_item(created["legacyItemId"]) == item
    assert await client.browse.get_item_by_legacy_id(created["legacyItemId"]) == item


async def test_unknown_item_is_item_not_found(client: EbayClient) -> None:
    with pytest.raises(errors.ItemNotFound):
        await client.browse.get_item("v1|999999999999|0")
    with pytest.raises(errors.ItemNotFound):
        await client.browse.get_item_by_legacy_id("999999999999")


async def test_get_item_retries_one_5xx(
    client: EbayClient, admin: Admin, ebay_sim: SimulatorServer
) -> None:
    created = await admin.auction()
    await client.oauth.app_token()
    await admin.fault(operation="getItem", status=503, count=1)
    item = await client.browse.get_item(created["itemId"])
    assert item.item_id == created["itemId"]
    assert [e.status for e in operations(ebay_sim, "getItem")] == [503, 200]


# --- Offer ----------------------------------------------------------------------------------


async def test_place_bid_and_read_bidding(client: EbayClient, admin: Admin) -> None:
    token = await admin.user("carol")
    created = await admin.auction(startPrice="10.00")
    proxy_bid_id = await client.offer.place_proxy_bid(
        token, created["itemId"], "EBAY_US", Money("17.50", "USD")
    )
    assert proxy_bid_id
    bidding = await client.offer.get_bidding(token, created["itemId"], "EBAY_US")
    assert bidding.auction_status == "ACTIVE"
    assert bidding.high_bidder
    assert bidding.max_amount == Money("17.50", "USD")
    assert bidding.current_price == Money("10.00", "USD")
    assert bidding.proxy_bid_id == proxy_bid_id
    assert not bidding.won

    await admin.call(
        "POST", f"/sim/auctions/{created['itemId']}/bids", {"bidder": "rival", "maxAmount": "30.00"}
    )
    outbid = await client.offer.get_bidding(token, created["itemId"], "EBAY_US")
    assert not outbid.high_bidder
    assert outbid.current_price == Money("18.00", "USD")  # 17.50 + one 0.50 step


async def test_bidding_without_a_bid_is_no_bidding_activity(
    client: EbayClient, admin: Admin
) -> None:
    token = await admin.user("dave")
    created = await admin.auction()
    with pytest.raises(errors.NoBiddingActivity):
        await client.offer.get_bidding(token, created["itemId"], "EBAY_US")


async def test_documented_bid_errors(client: EbayClient, admin: Admin) -> None:
    token = await admin.user("erin")
    seller_token = await admin.user("shop")
    item = (await admin.auction(startPrice="10.00", seller="shop"))["itemId"]
    place = client.offer.place_proxy_bid

    with pytest.raises(errors.BidTooLow) as low:
        await place(token, item, "EBAY_US", Money("5.00", "USD"))
    assert low.value.error_id == 120008
    assert isinstance(low.value, domain.BusinessRuleViolation)

    await place(token, item, "EBAY_US", Money("20.00", "USD"))
    with pytest.raises(errors.CannotLowerBid) as lower:
        await place(token, item, "EBAY_US", Money("15.00", "USD"))
    assert lower.value.error_id == 120010

    with pytest.raises(errors.SellerCannotBid):
        await place(seller_token, item, "EBAY_US", Money("25.00", "USD"))

    with pytest.raises(errors.BidCurrencyMismatch):
        await place(token, item, "EBAY_US", Money("30.00", "GBP"))

    with pytest.raises(errors.ItemNotFound):
        await place(token, "v1|999999999999|0", "EBAY_US", Money("25.00", "USD"))

    bin_item = (await admin.auction(startPrice="10.00", buyItNowPrice="50.00"))["itemId"]
    await admin.call("POST", f"/sim/auctions/{bin_item}/buy-it-now", {"buyer": "rival"})
    with pytest.raises(errors.EndedByBuyItNow) as bin_ended:
        await place(token, bin_item, "EBAY_US", Money("25.00", "USD"))
    assert isinstance(bin_ended.value, errors.AuctionEnded)


async def test_adult_items_need_consent(client: EbayClient, admin: Admin) -> None:
    token = await admin.user("frank")
    item = (await admin.auction(adultOnly=True))["itemId"]
    assert (await client.browse.get_item(item)).adult_only
    with pytest.raises(errors.AdultConsentRequired):
        await bid_twelve_dollars(client, token, item)
    assert await bid_twelve_dollars(client, token, item, adult_only=True)


async def test_ended_auction(client: EbayClient, admin: Admin) -> None:
    token = await admin.user("gina")
    created = await admin.auction(endsInSeconds=0.3)
    await client.offer.place_proxy_bid(token, created["itemId"], "EBAY_US", Money("11.00", "USD"))
    await asyncio.sleep(0.4)  # real time is the point: the auction must close
    with pytest.raises(errors.AuctionEnded) as ended:
        await client.offer.place_proxy_bid(
            token, created["itemId"], "EBAY_US", Money("30.00", "USD")
        )
    assert type(ended.value) is errors.AuctionEnded
    bidding = await client.offer.get_bidding(token, created["itemId"], "EBAY_US")
    assert bidding.ended
    assert bidding.won


async def test_place_bid_is_not_retried_but_get_bidding_is(
    client: EbayClient, admin: Admin, ebay_sim: SimulatorServer
) -> None:
    token, item = await admin.bidder_and_item("hank")
    await admin.fault(operation="placeProxyBid", status=500, count=1)
    with pytest.raises(errors.EbayUnavailable) as failed:
        await bid_twelve_dollars(client, token, item)
    assert failed.value.status == 500
    assert isinstance(failed.value, domain.UpstreamUnavailable)
    assert len(operations(ebay_sim, "placeProxyBid")) == 1  # no hidden retry
    # The executor's own retry then succeeds.
    assert await bid_twelve_dollars(client, token, item)

    await admin.fault(operation="getBidding", status=500, count=1)
    assert (await client.offer.get_bidding(token, item, "EBAY_US")).high_bidder
    assert [e.status for e in operations(ebay_sim, "getBidding")] == [500, 200]

    await admin.fault(operation="getBidding", status=502, count=2)
    with pytest.raises(errors.EbayUnavailable):
        await client.offer.get_bidding(token, item, "EBAY_US")


async def test_rate_limit_and_dropped_connection(client: EbayClient, admin: Admin) -> None:
    token, item = await admin.bidder_and_item("ivy")
    await admin.fault(operation="placeProxyBid", status=429, count=1)
    with pytest.raises(errors.EbayUnavailable) as limited:
        await bid_twelve_dollars(client, token, item)
    assert limited.value.status == 429
    await admin.fault(operation="placeProxyBid", drop=True, count=1)
    with pytest.raises(errors.EbayUnavailable, match="connection"):
        await bid_twelve_dollars(client, token, item)


async def test_a_delay_past_the_timeout_is_unavailable(client: EbayClient, admin: Admin) -> None:
    token, item = await admin.bidder_and_item("jack")
    await admin.fault(operation="placeProxyBid", delayMs=int(TIMEOUT_S * 1000) + 400, count=1)
    started = time.monotonic()
    with pytest.raises(errors.EbayUnavailable, match=r"in time|within"):
        await bid_twelve_dollars(client, token, item)
    assert TIMEOUT_S * 0.9 < time.monotonic() - started < TIMEOUT_S + 0.4


async def test_expired_access_token_is_unauthorized(client: EbayClient, admin: Admin) -> None:
    token, item = await admin.bidder_and_item("kim")
    await admin.call("POST", "/sim/users/kim/expire-tokens")
    with pytest.raises(errors.Unauthorized):
        await bid_twelve_dollars(client, token, item)


# --- Trading and Identity -------------------------------------------------------------------


async def test_watch_list_over_several_pages(
    client: EbayClient, admin: Admin, ebay_sim: SimulatorServer
) -> None:
    token = await admin.user("lena")
    created = [await admin.auction(title=f"Lot {n}", startPrice=f"{n + 1}.00") for n in range(5)]
    await admin.call("PUT", "/sim/watchlist/lena", {"itemIds": [c["itemId"] for c in created]})

    second = await client.trading.watch_list_page(token, "EBAY_US", page=2, entries_per_page=2)
    assert (second.page, second.total_pages, second.total_entries) == (2, 3, 5)
    assert [i.title for i in second.items] == ["Lot 2", "Lot 3"]

    everything = await client.trading.watch_list(token, "EBAY_US", entries_per_page=2)
    assert [i.legacy_item_id for i in everything] == [c["legacyItemId"] for c in created]
    first = everything[0]
    assert first.item_id == created[0]["itemId"]
    assert first.is_auction
    assert first.current_price == Money("1.00", "USD")
    assert first.end_ms is not None
    assert len(operations(ebay_sim, "GetMyeBayBuying")) == 4  # page 2, then pages 1..3


async def test_watch_list_with_a_bad_token_is_unauthorized(client: EbayClient) -> None:
    with pytest.raises(errors.Unauthorized):
        await client.trading.watch_list_page("not-a-token", "EBAY_GB")


async def test_get_user(client: EbayClient, admin: Admin) -> None:
    token = await admin.user("mona")
    user = await client.identity.get_user(token)
    assert user.username == "mona"
    assert user.user_id


async def test_requests_were_recorded_for_the_contract_check(
    client: EbayClient, admin: Admin, recorder: RequestRecorder
) -> None:
    if not isinstance(client.http, EbayHttp):
        pytest.skip("aiohttp's trace hooks record requests; the lean transport has none")
    token, item = await admin.bidder_and_item("nina")
    await bid_twelve_dollars(client, token, item)
    method, url, headers, body = recorder.requests[-1]
    assert method == "POST"
    assert url.endswith("/place_proxy_bid")
    assert "%7C" in url
    assert body == b'{"maxAmount":{"value":"12.00","currency":"USD"}}'
    assert headers["X-EBAY-C-MARKETPLACE-ID"] == "EBAY_US"
    assert headers["Content-Type"] == "application/json"
    check_request(method, url, headers, body)
