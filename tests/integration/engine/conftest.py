"""The snipe engine against the local AWS and the eBay simulator, in real time.

The executor is built exactly as the local stack builds it: the template's environment for
BidExecutorFunction, pointed at the simulator, with the local Lambda runtime's Invoke API as
its Lambda endpoint. Events for the notification handler are recorded there, so each test can
assert what the user would be told, and run, into a Postmark sink, so the notifier's records
exist as they would deployed (a standby waits for them before it leaves).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from sniper.aws_clients import AwsClients
from sniper.config import ExecutorSettings, load_settings
from sniper.devstack.ebaysim import SimulatorServer
from sniper.devstack.local.aws import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_RU_NAME, LocalAws
from sniper.devstack.local.context import LocalLambdaContext
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.devstack.local.postmark_sink import PostmarkSink
from sniper.domain.money import Money
from sniper.domain.snipe import BidGroup, Snipe
from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import endpoints_for
from sniper.ebay.http import EbayHttp
from sniper.ebay.oauth import EbayOAuth
from sniper.executor.app import EXECUTOR_RETRIES, build_executor
from sniper.executor.engine import BidExecutor, Hooks
from sniper.services.ebay_tokens import EbayTokens
from sniper.storage.history import HistoryRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault
from tests.factories import make_snipe, make_user

# Short everything: auctions last a few seconds.
FAST = {
    "LEASE_SECONDS": "1.5",
    "SETTLE_GRACE_SECONDS": "0.3",
    # Room for a refresh and a second warm-up (a stale token) on a loaded machine; 8 s deployed.
    "PREPARE_LEAD_SECONDS": "2.5",
    "SETTLE_TIMEOUT_SECONDS": "10",
}
CREDENTIALS = AppCredentials(
    client_id=LOCAL_CLIENT_ID, client_secret=LOCAL_CLIENT_SECRET, ru_name=LOCAL_RU_NAME
)


class RecordingFunctions(LocalFunctions):
    """The local Lambda runtime; asynchronous events for `recorded` functions are kept (and run
    too when `run_recorded`)."""

    def __init__(
        self, aws: LocalAws, recorded: Iterable[str], *, run_recorded: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(aws, **kwargs)
        self.recorded = frozenset(recorded)
        self.run_recorded = run_recorded
        self.events: list[tuple[str, Any]] = []

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        logical_id = self.logical_id(name_or_arn)
        if logical_id in self.recorded:
            self.events.append((logical_id, event))
            if not self.run_recorded:
                self.invocations.append((logical_id, "Event"))
                return
        super().invoke_async(name_or_arn, event)

    def events_for(self, logical_id: str) -> list[Any]:
        return [event for lid, event in self.events if lid == logical_id]

    def outcomes(self, bid_id: str) -> list[str]:
        return [
            e["outcome"]
            for e in self.events_for("NotificationHandlerFunction")
            if e.get("type") == "snipe.outcome" and e["bidId"] == bid_id
        ]


@pytest.fixture
async def functions(
    local_aws: LocalAws, ebay_sim: SimulatorServer, postmark_sink: PostmarkSink
) -> AsyncIterator[RecordingFunctions]:
    local_aws.ebay_base_url = ebay_sim.url
    local_aws.postmark_base_url = postmark_sink.url
    runtime = RecordingFunctions(
        local_aws, {"NotificationHandlerFunction"}, run_recorded=True, extra_environment=FAST
    )
    await runtime.start()
    yield runtime
    await runtime.drain()
    await runtime.stop()
    local_aws.ebay_base_url = None
    local_aws.postmark_base_url = None


@pytest.fixture
def executor_settings(functions: RecordingFunctions) -> ExecutorSettings:
    return load_settings(ExecutorSettings, functions.environment("BidExecutorFunction"))


@pytest.fixture
async def executor_clients(executor_settings: ExecutorSettings) -> AsyncIterator[AwsClients]:
    clients = AwsClients.for_settings(executor_settings, retries=EXECUTOR_RETRIES)
    yield clients
    await clients.close()


@pytest.fixture
async def make_executor(
    executor_settings: ExecutorSettings, executor_clients: AwsClients
) -> AsyncIterator[Any]:
    made: list[BidExecutor] = []

    async def make(hooks: Hooks | None = None) -> BidExecutor:
        executor = await build_executor(executor_settings, executor_clients, hooks=hooks)
        made.append(executor)
        return executor

    yield make
    for executor in made:
        await executor.close()


def context(local_aws: LocalAws, timeout_seconds: float = 300) -> LocalLambdaContext:
    return LocalLambdaContext(
        local_aws.refs["BidExecutorFunction"], timeout_seconds=timeout_seconds
    )


class Sim:
    """The simulator's /sim/ admin API."""

    def __init__(self, session: aiohttp.ClientSession, server: SimulatorServer) -> None:
        self.session = session
        self.server = server

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(method, path, json=body) as response:
            payload = await response.json()
            assert response.status < 300, payload
            return payload

    async def auction(self, ends_in: float, **fields: Any) -> dict[str, Any]:
        body = {"title": "Vintage camera", "startPrice": "10.00", "endsInSeconds": ends_in,
                **fields}  # fmt: skip
        result: dict[str, Any] = await self.call("POST", "/sim/auctions", body)
        return result

    async def rival(self, item_id: str, bidder: str, max_amount: str) -> None:
        await self.call("POST", "/sim/users", {"username": bidder})
        await self.call(
            "POST", f"/sim/auctions/{item_id}/bids", {"bidder": bidder, "maxAmount": max_amount}
        )

    async def bids(self, item_id: str, bidder: str | None = None) -> list[dict[str, Any]]:
        result = await self.call("GET", f"/sim/bids?itemId={item_id}")
        return [b for b in result["bids"] if bidder is None or b["bidder"] == bidder]


@pytest.fixture
async def sim(ebay_sim: SimulatorServer) -> AsyncIterator[Sim]:
    async with aiohttp.ClientSession(base_url=ebay_sim.url) as session:
        yield Sim(session, ebay_sim)


@dataclass
class World:
    """Everything a test needs to set up snipes and look at the result."""

    aws: LocalAws
    sim: Sim
    functions: RecordingFunctions
    users: UsersRepository
    snipes: SnipesRepository
    history: HistoryRepository
    tokens: EbayTokens
    oauth: EbayOAuth
    http: EbayHttp

    async def linked_user(self, username: str) -> str:
        """A user linked to a simulator account through the real consent flow."""
        await self.sim.call("POST", "/sim/users", {"username": username})
        url = self.oauth.consent_url("state-" + username) + f"&username={username}"
        async with (
            aiohttp.ClientSession() as browser,
            browser.get(url, allow_redirects=False) as page,
        ):
            location = page.headers["Location"]
        code = parse_qs(urlsplit(location).query)["code"][0]
        tokens = await self.oauth.exchange_code(code)
        user = await self.users.create(make_user(user_id=f"user-{username}"))
        await self.tokens.link(user, tokens, username=username, ebay_user_id=None)
        return user.user_id

    async def snipe(
        self,
        user_id: str,
        auction: dict[str, Any],
        *,
        max_bid: str = "25.00",
        offset: float = 2.0,
        group: BidGroup | None = None,
    ) -> Snipe:
        snipe = make_snipe(
            user_id=user_id,
            item_id=auction["itemId"],
            legacy_item_id=auction["legacyItemId"],
            max_bid=Money.parse(max_bid, auction["currency"]),
            offset_seconds=offset,
            auction_end_ms=auction["endNs"] // 1_000_000,
            group=group,
        )
        return await self.snipes.create(snipe)

    async def settled(self, snipe: Snipe) -> Snipe:
        return await self.snipes.get(snipe.user_id, snipe.bid_id)


@pytest.fixture
async def world(
    local_aws: LocalAws,
    sim: Sim,
    functions: RecordingFunctions,
    users_repo: UsersRepository,
    snipes_repo: SnipesRepository,
    history_repo: HistoryRepository,
    token_vault: TokenVault,
    ebay_sim: SimulatorServer,
) -> AsyncIterator[World]:
    http = EbayHttp()
    oauth = EbayOAuth(http, endpoints_for("local", ebay_sim.url), CREDENTIALS)
    yield World(
        aws=local_aws,
        sim=sim,
        functions=functions,
        users=users_repo,
        snipes=snipes_repo,
        history=history_repo,
        tokens=EbayTokens(users_repo, token_vault, oauth),
        oauth=oauth,
        http=http,
    )
    await http.close()


async def gather(*coroutines: Any) -> list[Any]:
    return list(await asyncio.gather(*coroutines))
