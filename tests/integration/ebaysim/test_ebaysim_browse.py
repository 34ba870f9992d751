"""Browse getItem / getItemByLegacyId and Identity getUser over HTTP."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import pytest

from tests.integration.ebaysim.sim_client import Sim


async def get(sim: Sim, path: str, token: str | None) -> tuple[int, dict]:  # type: ignore[type-arg]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with sim.http.get(sim.url + path, headers=headers) as response:
        return response.status, await response.json()


async def test_get_item_returns_what_a_sniper_needs(sim: Sim) -> None:
    item = await sim.auction(title="Nikon F3", startPrice="20.00", buyItNowPrice="90.00",
                             reservePrice="40.00", seller="camera_shop")  # fmt: skip
    status, body = await get(sim, "/buy/browse/v1/item/" + quote(item["itemId"], safe=""),
                             await sim.token())  # fmt: skip
    assert status == 200
    assert body["itemId"] == item["itemId"]
    assert body["legacyItemId"] == item["legacyItemId"]
    assert body["title"] == "Nikon F3"
    assert body["buyingOptions"] == ["AUCTION", "FIXED_PRICE"]
    assert body["currentBidPrice"] == {"value": "20.00", "currency": "USD"}
    assert body["price"] == {"value": "90.00", "currency": "USD"}
    assert body["minimumPriceToBid"] == {"value": "20.00", "currency": "USD"}
    assert body["bidCount"] == 0
    assert body["reservePriceMet"] is False
    assert body["seller"]["username"] == "camera_shop"
    assert body["listingMarketplaceId"] == "EBAY_US"
    assert body["itemWebUrl"].endswith("/itm/" + item["legacyItemId"])
    end = body["itemEndDate"]
    assert end.endswith("Z") and len(end) == len("2024-01-01T00:00:00.000Z")
    assert datetime.fromisoformat(end).timestamp() == pytest.approx(item["endNs"] / 1e9, abs=0.001)


async def test_after_a_bid_buy_it_now_goes_and_the_minimum_steps_up(sim: Sim) -> None:
    item = await sim.auction(startPrice="20.00", buyItNowPrice="90.00")
    await sim.rival(item["itemId"], "r1", "30.00")
    await sim.rival(item["itemId"], "r2", "25.00")
    status, body = await get(sim, f"/buy/browse/v1/item/get_item_by_legacy_id?legacy_item_id="
                                  f"{item['legacyItemId']}", await sim.token())  # fmt: skip
    assert status == 200
    assert body["buyingOptions"] == ["AUCTION"]
    assert body["currentBidPrice"]["value"] == "26.00"  # 25.00 + 1.00 (the 25-99.99 band)
    assert body["minimumPriceToBid"]["value"] == "27.00"
    assert body["bidCount"] == 2


async def test_unknown_and_malformed_items(sim: Sim) -> None:
    token = await sim.token()
    status, body = await get(sim, "/buy/browse/v1/item/" + quote("v1|1|0", safe=""), token)
    assert (status, Sim.error_id(body)) == (400, 11001)
    status, body = await get(sim, "/buy/browse/v1/item/get_item_by_legacy_id?legacy_item_id=42",
                             token)  # fmt: skip
    assert (status, Sim.error_id(body)) == (400, 11003)
    status, body = await get(sim, "/buy/browse/v1/item/get_item_by_legacy_id?legacy_item_id=abc",
                             token)  # fmt: skip
    assert (status, Sim.error_id(body)) == (400, 11006)


@pytest.mark.ebay_invalid_requests
async def test_browse_without_a_token_is_401(sim: Sim) -> None:
    item = await sim.auction()
    status, body = await get(sim, "/buy/browse/v1/item/" + quote(item["itemId"], safe=""), None)
    assert (status, Sim.error_id(body)) == (401, 1001)


async def test_identity_get_user(sim: Sim) -> None:
    status, user = await get(sim, "/commerce/identity/v1/user/", await sim.token("erin"))
    assert status == 200
    assert user["username"] == "erin"
    assert user["userId"]
