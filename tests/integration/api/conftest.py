"""The five API functions, built exactly as the local stack builds them, called with v2 events.

Each app comes from its handler's `build(...)` with `LocalAws.function_environment(logical_id)`
(eBay pointed at the simulator), so tests exercise the real wiring: settings, moto, KMS, secrets,
scheduler, and the simulator over real sockets.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import aiohttp
import pytest
import pytest_asyncio

from sniper.devstack.ebaysim import SimulatorServer
from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.context import LocalLambdaContext
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.runtime import Entrypoint
from tests.support.http_events import claims_for, http_event

USER_MANAGEMENT = "UserManagementFunction"
EBAY_OAUTH = "EbayOAuthFunction"
WISHLIST = "WishlistSyncFunction"
BIDS = "BidManagementFunction"
HISTORY = "BidHistoryFunction"


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any
    raw: str

    def error(self) -> dict[str, Any]:
        detail: dict[str, Any] = self.body["error"]
        return detail


@dataclass
class ApiApps:
    aws: LocalAws
    apps: dict[str, Any] = field(default_factory=dict)

    async def app(self, logical_id: str) -> Any:
        if logical_id not in self.apps:
            spec = self.aws.template.function(logical_id)
            entrypoint = getattr(importlib.import_module(spec.module), spec.attribute)
            assert isinstance(entrypoint, Entrypoint)
            self.apps[logical_id] = await entrypoint.build(
                self.aws.function_environment(logical_id)
            )
        return self.apps[logical_id]

    async def call(self, logical_id: str, event: dict[str, Any]) -> ApiResponse:
        app = await self.app(logical_id)
        result = await app(event, LocalLambdaContext(self.aws.refs[logical_id]))
        raw = result.get("body") or ""
        body = (
            json.loads(raw)
            if raw and "json" in str(result.get("headers", {}).get("Content-Type", ""))
            else raw
        )
        return ApiResponse(result["statusCode"], dict(result.get("headers") or {}), body, raw)

    async def request(
        self, logical_id: str, method: str, route: str, *, user: str | None, **kwargs: Any
    ) -> ApiResponse:
        claims = claims_for(user) if user is not None else None
        return await self.call(logical_id, http_event(method, route, claims=claims, **kwargs))

    async def close(self) -> None:
        for app in self.apps.values():
            await app.aclose()
        self.apps.clear()


@pytest_asyncio.fixture(loop_scope="session")
async def api(local_aws: LocalAws, ebay_sim: SimulatorServer) -> AsyncIterator[ApiApps]:
    previous = local_aws.ebay_base_url
    local_aws.ebay_base_url = ebay_sim.url
    apps = ApiApps(local_aws)
    yield apps
    await apps.close()
    local_aws.ebay_base_url = previous


@pytest_asyncio.fixture(loop_scope="session")
async def functions(api: ApiApps, local_aws: LocalAws) -> AsyncIterator[LocalFunctions]:
    """The local Lambda runtime over the same AWS and simulator as `api`: concurrent invocations
    each get a container of their own, as on API Gateway and Lambda."""
    runtime = LocalFunctions(local_aws)
    yield runtime
    await runtime.retire_containers()


@dataclass
class Sim:
    """The simulator's admin API, for arranging auctions and watch lists."""

    server: SimulatorServer
    http: aiohttp.ClientSession

    async def admin(self, method: str, path: str, payload: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, self.server.url + path, json=payload) as response:
            return response.status, await response.json()

    async def auction(self, **fields: Any) -> dict[str, Any]:
        body = {"title": "Leica M6", "startPrice": "10.00", "endsInSeconds": 3600, **fields}
        status, created = await self.admin("POST", "/sim/auctions", body)
        assert status == 201, created
        return dict(created)

    async def rival(self, item_id: str, bidder: str, amount: str) -> None:
        status, outcome = await self.admin(
            "POST",
            f"/sim/auctions/{quote(item_id, safe='')}/bids",
            {"bidder": bidder, "maxAmount": amount},
        )
        assert status == 200, outcome

    async def watch(self, username: str, item_ids: list[str]) -> None:
        status, answer = await self.admin(
            "PUT", f"/sim/watchlist/{username}", {"itemIds": item_ids}
        )
        assert status == 200, answer


@pytest_asyncio.fixture(loop_scope="session")
async def sim(ebay_sim: SimulatorServer) -> AsyncIterator[Sim]:
    async with aiohttp.ClientSession() as http:
        yield Sim(ebay_sim, http)


async def link_ebay(api: ApiApps, sim: Sim, user: str, username: str) -> ApiResponse:
    """The whole consent flow: our URL -> the simulator's consent page (302) -> our callback."""
    consent = await api.request(EBAY_OAUTH, "GET", "/ebay/auth/url", user=user)
    assert consent.status == 200, consent.body
    # The simulator approves at once; `username` picks the eBay account that consents.
    url = consent.body["url"] + "&" + "username=" + quote(username)
    async with sim.http.get(url, allow_redirects=False) as redirect:
        assert redirect.status == 302
        location = redirect.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    callback = await api.request(
        EBAY_OAUTH,
        "POST",
        "/ebay/auth/callback",
        user=user,
        body={"code": query["code"][0], "state": query["state"][0]},
    )
    assert callback.status == 200, callback.body
    return callback


async def snipe_via_api(
    api: ApiApps, user: str, item_id: str, max_bid: str = "20.00"
) -> ApiResponse:
    """A snipe set as the frontend sets one (POST /bids, USD); it must be accepted."""
    created = await api.request(
        BIDS,
        "POST",
        "/bids",
        user=user,
        body={"itemId": item_id, "maxBid": {"value": max_bid, "currency": "USD"}},
    )
    assert created.status == 201, created.body
    return created


@pytest.fixture
def user_id() -> str:
    import uuid

    return f"cognito-{uuid.uuid4()}"


@pytest.fixture
def other_user_id() -> str:
    import uuid

    return f"cognito-{uuid.uuid4()}"
