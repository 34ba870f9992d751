"""The executor's warm connection placing a real bid on the simulator. Run with
`-p tests.fixtures.ebay` (the fixture also holds the wire's requests to eBay's contracts)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sniper.devstack.ebaysim import SimulatorServer
from sniper.domain.money import Money
from sniper.ebay import errors
from sniper.ebay.endpoints import endpoints_for
from sniper.ebay.offer import (
    bidding_path,
    offer_headers,
    place_proxy_bid_body,
    place_proxy_bid_path,
    read_bidding,
    read_place_proxy_bid,
)
from sniper.ebay.wire import WarmConnection


async def _admin(session: aiohttp.ClientSession, method: str, path: str, body: Any) -> Any:
    async with session.request(method, path, json=body) as response:
        assert response.status < 300, await response.text()
        return await response.json()


@pytest.fixture
async def admin(ebay_sim: SimulatorServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=ebay_sim.url) as session:
        yield session


@pytest.fixture
async def wire(ebay_sim: SimulatorServer) -> AsyncIterator[WarmConnection]:
    connection = WarmConnection(
        endpoints_for("local", ebay_sim.url).api_base, response_timeout_s=1.0
    )
    yield connection
    await connection.close()


async def test_warm_connection_places_a_bid(
    ebay_sim: SimulatorServer, admin: aiohttp.ClientSession, wire: WarmConnection
) -> None:
    await _admin(admin, "POST", "/sim/users", {"username": "sniper_user"})
    token = (await _admin(admin, "POST", "/sim/tokens", {"username": "sniper_user"}))[
        "access_token"
    ]
    item = (
        await _admin(
            admin,
            "POST",
            "/sim/auctions",
            {
                "title": "Rolex",
                "currency": "USD",
                "marketplaceId": "EBAY_US",
                "startPrice": "100.00",
                "endsInSeconds": 600,
            },
        )
    )["itemId"]

    await wire.open()
    probe = wire.prepare(
        "GET", bidding_path(item), offer_headers(token, "EBAY_US", with_body=False)
    )
    warming = await wire.send(probe)
    assert warming.status == 404  # no bidding activity yet: any answer warms
    assert 0 < warming.round_trip_ns < 500_000_000

    bid = wire.prepare(
        "POST",
        place_proxy_bid_path(item),
        offer_headers(token, "EBAY_US", with_body=True),
        place_proxy_bid_body(Money("250.00", "USD")),
    )
    sending = time.time_ns()
    response = await wire.send(bid)
    assert response.status == 200, response.body
    assert read_place_proxy_bid(response.status, response.headers, response.body)

    # The simulator stamped the bid's arrival after we began sending it and before its answer.
    # (Not after `sent_ns`: that is taken once the write returns, and on loopback the kernel
    # receives the bytes, and stamps them, within the write.)
    log = (await _admin(admin, "GET", f"/sim/bids?itemId={item}", None))["bids"]
    assert len(log) == 1
    assert sending <= log[0]["arrivedNs"] <= response.answered_ns

    after = await wire.send(probe)
    bidding = read_bidding(after.status, after.headers, after.body, item)
    assert bidding.high_bidder
    assert bidding.max_amount == Money("250.00", "USD")
    # Probes, bid and check all rode one connection.
    assert wire.connects == 1


async def test_warm_connection_answers_read_into_typed_errors(
    ebay_sim: SimulatorServer, admin: aiohttp.ClientSession, wire: WarmConnection
) -> None:
    await _admin(admin, "POST", "/sim/users", {"username": "late_user"})
    token = (await _admin(admin, "POST", "/sim/tokens", {"username": "late_user"}))["access_token"]
    item = (
        await _admin(
            admin,
            "POST",
            "/sim/auctions",
            {
                "title": "Pen",
                "currency": "USD",
                "marketplaceId": "EBAY_US",
                "startPrice": "10.00",
                "endsInSeconds": 600,
            },
        )
    )["itemId"]
    low = wire.prepare(
        "POST",
        place_proxy_bid_path(item),
        offer_headers(token, "EBAY_US", with_body=True),
        place_proxy_bid_body(Money("1.00", "USD")),
    )
    response = await wire.send(low)
    with pytest.raises(errors.BidTooLow):
        read_place_proxy_bid(response.status, response.headers, response.body)

    await _admin(admin, "POST", "/sim/faults", {"operation": "placeProxyBid", "drop": True})
    with pytest.raises(errors.EbayUnavailable):
        await wire.send(low)
    # The next send reconnects by itself.
    again = await wire.send(low)
    assert again.status == 409
    assert wire.connects == 2
