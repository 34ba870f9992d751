"""The /sim/ admin API: strict input (400 naming the field), engine state, scheduling, reset."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.ebaysim.sim_client import Sim


async def raw_post(sim: Sim, path: str, data: bytes) -> tuple[int, dict]:  # type: ignore[type-arg]
    async with sim.http.post(sim.url + path, data=data,
                             headers={"Content-Type": "application/json"}) as response:  # fmt: skip
        return response.status, await response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "JSON"),
        (b'{"startPrice": "1.00", "endsInSeconds": 5}', "title"),
        (b'{"title": 5, "startPrice": "1.00", "endsInSeconds": 5}', "$.title"),
        (b'{"title": "t", "startPrice": "1.00", "endsInSeconds": 5, "colour": "red"}', "colour"),
        (
            b'{"title": "t", "startPrice": "1.00", "endsInSeconds": 5, "currency": "GBP"}',
            "currency",
        ),
        (
            b'{"title": "t", "startPrice": "1.00", "endsInSeconds": 5, "currency": "XYZ"}',
            "currency",
        ),
        (b'{"title": "t", "startPrice": "1.001", "endsInSeconds": 5}', "startPrice"),
        (b'{"title": "t", "startPrice": 1.5, "endsInSeconds": 5}', "startPrice"),
        (
            b'{"title": "t", "startPrice": "1.00", "endsInSeconds": 5, "marketplaceId": "EBAY_XX"}',
            "marketplaceId",
        ),
        (b'{"title": "t", "startPrice": "1.00"}', "endsInSeconds"),
        (b'{"title": "t", "startPrice": "1.00", "endsAt": "tomorrow"}', "endsAt"),
    ],
)
async def test_bad_auction_input_is_a_400_naming_the_field(
    sim: Sim, body: bytes, field: str
) -> None:
    status, error = await raw_post(sim, "/sim/auctions", body)
    assert status == 400
    assert field in error["error"]


async def test_other_admin_input_errors(sim: Sim) -> None:
    status, error = await raw_post(sim, "/sim/faults", b'{"operation": "nope", "status": 500}')
    assert status == 400 and "operation" in error["error"]
    status, error = await raw_post(sim, "/sim/faults", b'{"operation": "getItem"}')
    assert status == 400 and "status" in error["error"]
    status, error = await raw_post(sim, "/sim/users", b'{"name": "x"}')
    assert status == 400 and "name" in error["error"]
    item = await sim.auction()
    status, error = await raw_post(sim, f"/sim/auctions/{item['legacyItemId']}/bids",
                                   b'{"bidder": "r", "maxAmount": "12.345"}')  # fmt: skip
    assert status == 400 and "maxAmount" in error["error"]
    status, error = await sim.admin("PUT", "/sim/watchlist/u", {"itemIds": ["v1|1|0"]})
    assert status == 400 and "itemIds" in error["error"]
    status, _ = await sim.admin("POST", "/sim/users/ghost/revoke")
    assert status == 404
    status, _ = await sim.admin("GET", "/sim/auctions/123")
    assert status == 404


async def test_engine_state_shows_every_maximum(sim: Sim) -> None:
    item = await sim.auction(startPrice="10.00", reservePrice="15.00")
    await sim.rival(item["itemId"], "a", "12.00")
    status, refused = await sim.rival(item["itemId"], "b", "10.00")
    assert status == 409 and refused["errorId"] == 120008
    await sim.rival(item["itemId"], "b", "20.00")
    state = await sim.engine(item["legacyItemId"])
    assert state["leader"] == "b"
    assert state["price"] == "15.00"  # 12.00 + 0.50 is below the reserve, which b's max meets
    assert state["reservePriceMet"] is True
    assert [m["bidder"] for m in state["maxima"]] == ["b", "a"]


async def test_buy_it_now_only_before_a_bid(sim: Sim) -> None:
    item = await sim.auction(buyItNowPrice="40.00")
    await sim.rival(item["itemId"], "a", "12.00")
    status, _ = await sim.admin("POST", f"/sim/auctions/{item['legacyItemId']}/buy-it-now",
                                {"buyer": "b"})  # fmt: skip
    assert status == 409


async def test_a_scheduled_rival_bid_lands_at_its_instant(sim: Sim) -> None:
    item = await sim.auction()
    at = datetime.now(UTC) + timedelta(milliseconds=300)
    status, _ = await sim.rival(item["itemId"], "late_rival", "25.00",
                                at=at.isoformat().replace("+00:00", "Z"))  # fmt: skip
    assert status == 202
    assert (await sim.engine(item["itemId"]))["bidCount"] == 0
    await asyncio.sleep(0.45)  # real time is the thing under test here
    _, log = await sim.admin("GET", "/sim/bids")
    [landed] = log["bids"]
    target = int(at.timestamp() * 1e9)
    assert target <= landed["arrivedNs"] < target + 100_000_000
    assert landed["bidder"] == "late_rival" and landed["status"] == 200


async def test_reset_forgets_everything(sim: Sim) -> None:
    item = await sim.auction()
    await sim.rival(item["itemId"], "a", "12.00")
    status, _ = await sim.admin("POST", "/sim/reset")
    assert status == 200
    status, _ = await sim.admin("GET", f"/sim/auctions/{item['legacyItemId']}")
    assert status == 404
    _, log = await sim.admin("GET", "/sim/bids")
    assert log["bids"] == []
