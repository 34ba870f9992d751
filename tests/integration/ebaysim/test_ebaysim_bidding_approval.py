"""The simulator as an application eBay has not approved for the Buy Offer API (Limited Release).

Bidding calls are refused with the gateway's 403 errorId 1100 while OAuth, Identity, Browse and
Trading go on working; the switch is global (SimConfig, or the admin API) or per application.
Our own eBay client talks to it, so the typed error it raises is checked on the way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from sniper.devstack.ebaysim import SimConfig, SimulatorServer
from sniper.domain.money import Money
from sniper.ebay.client import EbayClient
from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import endpoints_for
from sniper.ebay.errors import EbayAppNotApproved
from sniper.ebay.http import EbayHttp
from sniper.ebay.oauth import UserTokens
from tests.integration.ebaysim.sim_client import Sim

GATEWAY_1100 = {
    "errorId": 1100,
    "domain": "ACCESS",
    "category": "REQUEST",
    "message": "Access denied",
    "longMessage": "Insufficient permissions to fulfill the request.",
}


def _credentials(client_id: str) -> AppCredentials:
    return AppCredentials(client_id=client_id, client_secret="s3cret", ru_name="Sniper-RuName")


@pytest.fixture
async def clients(sim: Sim) -> AsyncIterator[dict[str, EbayClient]]:
    """Two applications (keysets) talking to the same simulator."""
    made = {
        name: EbayClient(endpoints_for("local", sim.url), _credentials(name), EbayHttp())
        for name in ("app-approved", "app-waiting")
    }
    yield made
    for client in made.values():
        await client.close()


async def _linked(sim: Sim, client: EbayClient, username: str) -> UserTokens:
    """The whole consent flow for one application: consent page, code, token exchange."""
    url = client.oauth.consent_url(f"state-{username}") + f"&username={username}"
    async with sim.http.get(url, allow_redirects=False) as page:
        assert page.status == 302
        code = parse_qs(urlsplit(page.headers["Location"]).query)["code"][0]
    return await client.oauth.exchange_code(code)


async def _set(sim: Sim, **change: object) -> dict[str, object]:
    status, body = await sim.admin("PUT", "/sim/bidding-approval", change)
    assert status == 200, body
    return dict(body)


async def test_an_unapproved_application_links_reads_and_browses_but_cannot_bid(
    sim: Sim, clients: dict[str, EbayClient]
) -> None:
    client = clients["app-waiting"]
    assert await _set(sim, approved=False) == {"approved": False, "clients": {}}
    item = await sim.auction(startPrice="10.00")
    await sim.admin("PUT", "/sim/watchlist/waiting_buyer", {"itemIds": [item["itemId"]]})

    tokens = await _linked(sim, client, "waiting_buyer")  # OAuth: consent and code exchange
    assert (await client.identity.get_user(tokens.access_token)).username == "waiting_buyer"
    watched = await client.trading.watch_list(tokens.access_token, "EBAY_US")
    assert [w.item_id for w in watched] == [item["itemId"]]
    assert (await client.browse.get_item(item["itemId"])).item_id == item["itemId"]

    with pytest.raises(EbayAppNotApproved) as refused:
        await client.offer.get_bidding(tokens.access_token, item["itemId"], "EBAY_US")
    assert refused.value.status == 403 and refused.value.error_id == 1100
    with pytest.raises(EbayAppNotApproved):
        await client.offer.place_proxy_bid(
            tokens.access_token, item["itemId"], "EBAY_US", Money.parse("20.00", "USD")
        )
    # The refusal is eBay's gateway body, to the field; the bid never reached the auction.
    status, body = await sim.place_bid(tokens.access_token, item["itemId"], "20.00")
    assert (status, body) == (403, {"errors": [GATEWAY_1100]})
    status, body = await sim.bidding(tokens.access_token, item["itemId"])
    assert (status, body) == (403, {"errors": [GATEWAY_1100]})
    _, log = await sim.admin("GET", f"/sim/bids?itemId={item['itemId']}")
    assert [(b["status"], b["errorId"], b["applied"]) for b in log["bids"]] == [
        (403, 1100, False)
    ] * 2
    assert (await sim.engine(item["itemId"]))["bidCount"] == 0

    # Approved again: the same token bids.
    await _set(sim, approved=True)
    proxy_bid_id = await client.offer.place_proxy_bid(
        tokens.access_token, item["itemId"], "EBAY_US", Money.parse("20.00", "USD")
    )
    assert proxy_bid_id


async def test_approval_is_per_application(sim: Sim, clients: dict[str, EbayClient]) -> None:
    item = await sim.auction(startPrice="10.00")
    state = await _set(sim, approved=False, clientId="app-waiting")
    assert state == {"approved": True, "clients": {"app-waiting": False}}
    waiting = await _linked(sim, clients["app-waiting"], "buyer_w")
    approved = await _linked(sim, clients["app-approved"], "buyer_a")

    with pytest.raises(EbayAppNotApproved):
        await clients["app-waiting"].offer.get_bidding(
            waiting.access_token, item["itemId"], "EBAY_US"
        )
    status, _ = await sim.place_bid(approved.access_token, item["itemId"], "15.00")
    assert status == 200
    # A refreshed token still belongs to its application.
    refreshed = await clients["app-waiting"].oauth.refresh(waiting)
    status, body = await sim.bidding(refreshed.access_token, item["itemId"])
    assert (status, Sim.error_id(body)) == (403, 1100)
    # Tokens the admin API hands out belong to no application: they follow the global setting.
    status, _ = await sim.bidding(await sim.token("buyer_a"), item["itemId"])
    assert status == 200

    # A global change replaces the per-application ones.
    assert await _set(sim, approved=True) == {"approved": True, "clients": {}}
    status, body = await sim.bidding(waiting.access_token, item["itemId"])
    assert (status, Sim.error_id(body)) == (404, 120033)  # through the gateway: no bid yet


async def test_the_approval_switch_checks_its_body(sim: Sim) -> None:
    status, body = await sim.admin(
        "PUT", "/sim/bidding-approval", {"approved": False, "clientId": " "}
    )
    assert status == 400 and "clientId" in body["error"]
    status, body = await sim.admin("PUT", "/sim/bidding-approval", {"approve": False})
    assert status == 400
    status, body = await sim.admin("GET", "/sim/bidding-approval")
    assert (status, body) == (200, {"approved": True, "clients": {}})


async def test_a_simulator_configured_unapproved_stays_so_after_a_reset() -> None:
    async with (
        SimulatorServer(config=SimConfig(bidding_approved=False)) as server,
        aiohttp.ClientSession() as http,
    ):
        sim = Sim(server, http)
        item = await sim.auction()
        status, body = await sim.bidding(await sim.token("buyer"), item["itemId"])
        assert (status, Sim.error_id(body)) == (403, 1100)
        await _set(sim, approved=True)
        server.reset()
        item = await sim.auction()
        status, body = await sim.bidding(await sim.token("buyer"), item["itemId"])
        assert (status, Sim.error_id(body)) == (403, 1100)
