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
from tests.integration.ebaysim.sim_client import Sim as SimulatorClient
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


class Sim(SimulatorClient):
    """The simulator's admin API (tests/integration/ebaysim/sim_client.py), and eBay users'
    watch lists, which the API tests arrange."""

    async def watch(self, username: str, item_ids: list[str]) -> None:
        status, answer = await self.admin(
            "PUT", f"/sim/watchlist/{username}", {"itemIds": item_ids}
        )
        assert status == 200, answer


@pytest_asyncio.fixture(loop_scope="session")
async def sim(ebay_sim: SimulatorServer) -> AsyncIterator[Sim]:
    async with aiohttp.ClientSession() as http:
        yield Sim(ebay_sim, http)


async def consent_url(api: ApiApps, user: str) -> dict[str, str]:
    """GET /ebay/auth/url: where the web app sends the browser, and the state it carries."""
    consent = await api.request(EBAY_OAUTH, "GET", "/ebay/auth/url", user=user)
    assert consent.status == 200, consent.body
    return {"url": consent.body["url"], "state": consent.body["state"]}


async def grant(sim: Sim, url: str, username: str) -> tuple[str, str]:
    """The simulator's consent page, where eBay user `username` agrees at once: the code and
    state eBay's redirect carries back."""
    async with sim.http.get(
        url + "&username=" + quote(username), allow_redirects=False
    ) as redirect:
        assert redirect.status == 302
        query = parse_qs(urlsplit(redirect.headers["Location"]).query)
    return query["code"][0], query["state"][0]


async def redeem(api: ApiApps, user: str, code: str, state: str) -> ApiResponse:
    """POST /ebay/auth/callback, as the web app's callback page sends the redirect's query."""
    body = {"code": code, "state": state}
    return await api.request(EBAY_OAUTH, "POST", "/ebay/auth/callback", user=user, body=body)


async def link_ebay(api: ApiApps, sim: Sim, user: str, username: str) -> ApiResponse:
    """The whole consent flow: our URL -> the simulator's consent page (302) -> our callback."""
    code, state = await grant(sim, (await consent_url(api, user))["url"], username)
    callback = await redeem(api, user, code, state)
    assert callback.status == 200, callback.body
    return callback


async def sniping(api: ApiApps, sim: Sim, user: str, username: str) -> ApiResponse:
    """A user who linked eBay account `username` and set a snipe on a new auction (POST /bids)."""
    await link_ebay(api, sim, user, username)
    auction = await sim.auction()
    return await snipe_via_api(api, user, auction["itemId"])


def bid_body(item_id: str, value: str = "30.00", currency: str = "USD", **extra: object) -> dict:
    """A POST /bids body: a snipe on `item_id` at `value`."""
    return {"itemId": item_id, "maxBid": {"value": value, "currency": currency}, **extra}


def schedules(aws: LocalAws) -> list[dict[str, Any]]:
    """The schedules in the stack's schedule group (a snipe has two: primary and standby)."""
    found: list[dict[str, Any]] = aws.client("scheduler").list_schedules(
        GroupName=aws.refs["ScheduleGroup"]
    )["Schedules"]
    return found


async def on_bid(
    api: ApiApps, method: str, user: str, bid_id: str, body: Any = None
) -> ApiResponse:
    """/bids/{bidId}: one snipe, read (GET), changed (PUT, with `body`) or cancelled (DELETE)."""
    given = {} if body is None else {"body": body}
    path = {"bidId": bid_id}
    return await api.request(
        BIDS, method, "/bids/{bidId}", user=user, path_parameters=path, **given
    )


async def watched_item(api: ApiApps, user: str, item_id: str) -> ApiResponse:
    """GET /wishlist/items/{itemId}: one eBay item and the caller's snipe on it."""
    path = {"itemId": item_id}
    return await api.request(
        WISHLIST, "GET", "/wishlist/items/{itemId}", user=user, path_parameters=path
    )


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
async def linked(api: ApiApps, sim: Sim, user_id: str) -> str:
    """A user who linked eBay account sniper_buyer."""
    await link_ebay(api, sim, user_id, "sniper_buyer")
    return user_id


@pytest.fixture
def user_id() -> str:
    import uuid

    return f"cognito-{uuid.uuid4()}"


@pytest.fixture
def other_user_id() -> str:
    import uuid

    return f"cognito-{uuid.uuid4()}"
