"""Injected faults: error statuses, delays, dropped connections, expiry and clearing."""

from __future__ import annotations

import time

import aiohttp
import pytest

from tests.integration.ebaysim.sim_client import Sim


async def fault(sim: Sim, **rule: object) -> None:
    status, body = await sim.admin("POST", "/sim/faults", rule)
    assert status == 201, body


async def test_500_then_ok(sim: Sim) -> None:
    item = await sim.auction()
    token = await sim.token()
    await fault(sim, operation="placeProxyBid", status=500)
    status, body = await sim.place_bid(token, item["itemId"], "20.00")
    assert (status, Sim.error_id(body)) == (500, 120000)
    status, _ = await sim.place_bid(token, item["itemId"], "20.00")
    assert status == 200
    _, log = await sim.admin("GET", "/sim/bids")
    assert [(b["status"], b["applied"]) for b in log["bids"]] == [(500, False), (200, True)]


async def test_429_for_a_count_of_requests(sim: Sim) -> None:
    item = await sim.auction()
    token = await sim.token()
    await fault(sim, operation="getItem", status=429, count=2)
    url = (
        f"{sim.url}/buy/browse/v1/item/get_item_by_legacy_id?legacy_item_id={item['legacyItemId']}"
    )
    legacy = {"Authorization": f"Bearer {token}"}
    async with sim.http.get(url, headers=legacy) as response:
        assert response.status == 200  # getItemByLegacyId is another operation
    statuses = []
    for _ in range(3):
        async with sim.http.get(
            sim.offer_url(item["itemId"]).replace(
                "/buy/offer/v1_beta/bidding/", "/buy/browse/v1/item/"
            ),
            headers=legacy,
        ) as r:
            statuses.append(r.status)
            if r.status == 429:
                assert Sim.error_id(await r.json()) == 2001
    assert statuses == [429, 429, 200]


async def test_delay_holds_the_answer_back(sim: Sim) -> None:
    await fault(sim, operation="getUser", delayMs=300)
    token = await sim.token()
    started = time.monotonic()
    async with sim.http.get(sim.url + "/commerce/identity/v1/user/",
                            headers={"Authorization": f"Bearer {token}"}) as response:  # fmt: skip
        assert response.status == 200
    assert time.monotonic() - started >= 0.3


async def test_drop_closes_the_connection_unanswered(sim: Sim) -> None:
    item = await sim.auction()
    token = await sim.token()
    await fault(sim, operation="placeProxyBid", drop=True)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await sim.place_bid(token, item["itemId"], "20.00")
    assert (await sim.engine(item["itemId"]))["bidCount"] == 0
    status, _ = await sim.place_bid(token, item["itemId"], "20.00")
    assert status == 200


async def test_drop_after_processing_places_the_bid_but_loses_the_answer(sim: Sim) -> None:
    item = await sim.auction()
    token = await sim.token()
    await fault(sim, operation="placeProxyBid", drop=True, apply="after")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await sim.place_bid(token, item["itemId"], "20.00")
    state = await sim.engine(item["itemId"])
    assert state["leader"] == "sniper_user" and state["bidCount"] == 1
    _, log = await sim.admin("GET", "/sim/bids")
    assert [(b["status"], b["applied"]) for b in log["bids"]] == [(0, True)]


async def test_until_and_clear(sim: Sim) -> None:
    token = await sim.token()
    headers = {"Authorization": f"Bearer {token}"}
    await fault(sim, operation="*", status=503, until="2000-01-01T00:00:00Z")  # already over
    async with sim.http.get(sim.url + "/commerce/identity/v1/user/", headers=headers) as r:
        assert r.status == 200
    await fault(sim, operation="getUser", status=503, count=5)
    async with sim.http.get(sim.url + "/commerce/identity/v1/user/", headers=headers) as r:
        assert r.status == 503
    status, _ = await sim.admin("DELETE", "/sim/faults")
    assert status == 200
    async with sim.http.get(sim.url + "/commerce/identity/v1/user/", headers=headers) as r:
        assert r.status == 200
