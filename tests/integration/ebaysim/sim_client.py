"""A small eBay-shaped HTTP client for the simulator's own tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

from sniper.devstack.ebaysim import SimulatorServer

MARKETPLACE = {"X-EBAY-C-MARKETPLACE-ID": "EBAY_US"}


class Sim:
    """The simulator's URL, its admin API, and eBay-shaped request helpers."""

    def __init__(self, server: SimulatorServer, http: aiohttp.ClientSession) -> None:
        self.server = server
        self.url = server.url
        self.http = http

    @staticmethod
    def error_id(body: Any) -> int:
        return int(body["errors"][0]["errorId"])

    async def admin(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, self.url + path, json=payload) as response:
            return response.status, await response.json()

    async def auction(self, **fields: Any) -> dict[str, Any]:
        body = {"title": "Leica M6", "startPrice": "10.00", "endsInSeconds": 3600, **fields}
        status, created = await self.admin("POST", "/sim/auctions", body)
        assert status == 201, created
        return dict(created)

    async def token(self, username: str = "sniper_user") -> str:
        status, tokens = await self.admin("POST", "/sim/tokens", {"username": username})
        assert status == 201
        return str(tokens["access_token"])

    async def rival(self, item_id: str, bidder: str, amount: str, **extra: Any) -> tuple[int, Any]:
        return await self.admin(
            "POST", f"/sim/auctions/{quote(item_id, safe='')}/bids",
            {"bidder": bidder, "maxAmount": amount, **extra},
        )  # fmt: skip

    async def engine(self, item_id: str) -> dict[str, Any]:
        status, state = await self.admin("GET", f"/sim/auctions/{quote(item_id, safe='')}")
        assert status == 200
        return dict(state)

    def offer_url(self, item_id: str, suffix: str = "") -> str:
        return f"{self.url}/buy/offer/v1_beta/bidding/{quote(item_id, safe='')}{suffix}"

    async def place_bid(
        self,
        token: str | None,
        item_id: str,
        value: str | None,
        currency: str | None = "USD",
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> tuple[int, Any]:
        sent = {"Authorization": f"Bearer {token}"} if token else {}
        sent |= MARKETPLACE if headers is None else headers
        if body is None:
            amount = {k: v for k, v in (("value", value), ("currency", currency)) if v is not None}
            body = {"maxAmount": amount}
        async with self.http.post(self.offer_url(item_id, "/place_proxy_bid"), json=body,
                                  headers=sent) as response:  # fmt: skip
            return response.status, await response.json()

    async def bidding(self, token: str, item_id: str) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}", **MARKETPLACE}
        async with self.http.get(self.offer_url(item_id), headers=headers) as response:
            return response.status, await response.json()
