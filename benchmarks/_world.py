"""The world the timing benchmarks fire in: the eBay simulator and the local AWS in processes of
their own (the simulator on a CPU of its own when there are two or more), Lambda's Invoke API for
the executors, the snipe and history tables, and bidders linked to simulated eBay accounts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

from benchmarks._services import (
    pin,
    realtime,
    start_local_aws,
    start_simulator,
    use_fake_aws_credentials,
)
from benchmarks._timing import NS_PER_MS
from sniper.aws_clients import AwsClients
from sniper.devstack.ebaysim.clock import ebay_date
from sniper.devstack.ebaysim.state import USER_SCOPES
from sniper.devstack.local.aws import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_RU_NAME, LocalAws
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.domain.user import User
from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import endpoints_for
from sniper.ebay.http import EbayHttp
from sniper.ebay.oauth import EbayOAuth, UserTokens
from sniper.services.ebay_tokens import EbayTokens
from sniper.storage.history import HistoryRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault


class NotificationSink(LocalFunctions):
    """Lambda's Invoke API for the executors: notifications are counted, not run (the
    notification handler is not what is measured); any other asynchronous invoke is a hand-off,
    which the benchmark reports as a failure of its setup."""

    def __init__(self, aws: LocalAws, **kwargs: Any) -> None:
        super().__init__(aws, **kwargs)
        self.notifications = 0
        self.handoffs = 0

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        if self.logical_id(name_or_arn) == "NotificationHandlerFunction":
            self.notifications += 1
        else:
            self.handoffs += 1


class SimAdmin:
    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.http.request(method, path, json=body) as response:
            payload = await response.json()
            if response.status >= 300:
                raise RuntimeError(f"{method} {path}: {response.status} {payload}")
            return payload

    async def auction(self, close_ns: int) -> dict[str, Any]:
        body = {"title": "Benchmark camera", "startPrice": "10.00", "endsAt": ebay_date(close_ns)}
        result: dict[str, Any] = await self.call("POST", "/sim/auctions", body)
        return result

    async def bids(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = (await self.call("GET", "/sim/bids"))["bids"]
        return result


@dataclass(frozen=True)
class Bidder:
    user_id: str
    username: str
    access_token: str


@dataclass
class World:
    aws: LocalAws
    sim_url: str
    sim: SimAdmin
    functions: NotificationSink
    snipes: SnipesRepository
    history: HistoryRepository
    bidders: list[Bidder]
    simulator_cpus: set[int] | None  # the simulator's own CPU(s), when it has any


async def make_bidders(
    count: int, sim: SimAdmin, users: UsersRepository, tokens: EbayTokens
) -> list[Bidder]:
    async def one(index: int) -> Bidder:
        username = f"bench_{index:03d}"
        await sim.call("POST", "/sim/users", {"username": username})
        issued = await sim.call("POST", "/sim/tokens", {"username": username})
        now_ms = time.time_ns() // NS_PER_MS
        user = await users.create(
            User(user_id=f"user-{username}", email=f"{username}@example.com",
                 created_ms=now_ms, updated_ms=now_ms)
        )  # fmt: skip
        grant = UserTokens(
            access_token=issued["access_token"],
            access_expires_ms=now_ms + int(issued["expires_in"]) * 1000,
            refresh_token=issued["refresh_token"],
            refresh_expires_ms=now_ms + 365 * 86_400_000,
            scopes=USER_SCOPES,
        )
        await tokens.link(user, grant, username=username, ebay_user_id=None)
        return Bidder(user.user_id, username, issued["access_token"])

    made: list[Bidder] = []
    for start in range(0, count, 20):  # a few at a time: moto is single-process
        made += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 20))))
    return made


def cpu_split(pin_simulator: bool) -> tuple[set[int], set[int]] | None:
    """(the simulator's CPU, everyone else's), or None to leave scheduling to the OS.

    eBay does not share a CPU with us; on a small machine, the simulator answering bids while
    moto (a CPU-hungry Python process) records the first PLACED snipes would otherwise show up
    as transit time no real bid has."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not pin_simulator or len(available) < 2:
        return None
    return {available[-1]}, set(available[:-1])


@contextlib.asynccontextmanager
async def open_world(
    bidders: int,
    *,
    stack_name: str,
    pin_simulator: bool,
    aws_in_process: bool = False,
    realtime_simulator: bool = False,
) -> AsyncIterator[World]:
    """Start everything, link `bidders` bidders, and stop it all again afterwards.

    `aws_in_process`: moto in this process (its threads then share our GIL) rather than its own.
    `realtime_simulator`: the simulator under SCHED_FIFO, where the machine allows it.
    """
    use_fake_aws_credentials()
    split = cpu_split(pin_simulator)
    async with contextlib.AsyncExitStack() as stack:
        sim_child, sim_url = start_simulator()
        stack.callback(sim_child.stop)
        if aws_in_process:
            aws = await asyncio.to_thread(LocalAws.start, stack_name=stack_name)
            stack.push_async_callback(asyncio.to_thread, aws.stop)
        else:
            aws_child, aws = start_local_aws(stack_name)
            stack.callback(aws_child.stop)
        if split is not None:
            sim_cpus, other_cpus = split
            pin(sim_child.process, sim_cpus)
            os.sched_setaffinity(0, other_cpus)
            if not aws_in_process:
                pin(aws_child.process, other_cpus)
        if realtime_simulator and not realtime(sim_child.process):
            print("warning: could not give the simulator real-time priority")
        aws.ebay_base_url = sim_url
        functions = NotificationSink(aws)
        await functions.start()
        stack.push_async_callback(functions.stop)
        setup = AwsClients(region=aws.region, endpoint_url=aws.endpoint)
        stack.push_async_callback(setup.close)
        ebay_http = EbayHttp()
        stack.push_async_callback(ebay_http.close)
        http = await stack.enter_async_context(aiohttp.ClientSession(base_url=sim_url))
        dynamodb = await setup.get("dynamodb")
        users = UsersRepository(DynamoTable(dynamodb, aws.refs["UsersTable"]))
        vault = TokenVault(await setup.get("kms"), aws.refs["UserTokenKey"])
        oauth = EbayOAuth(
            ebay_http, endpoints_for("local", sim_url),
            AppCredentials(client_id=LOCAL_CLIENT_ID, client_secret=LOCAL_CLIENT_SECRET,
                           ru_name=LOCAL_RU_NAME),
        )  # fmt: skip
        sim = SimAdmin(http)
        yield World(
            aws=aws, sim_url=sim_url, sim=sim, functions=functions,
            snipes=SnipesRepository(DynamoTable(dynamodb, aws.refs["BidsTable"])),
            history=HistoryRepository(DynamoTable(dynamodb, aws.refs["BidHistoryTable"])),
            bidders=await make_bidders(bidders, sim, users, EbayTokens(users, vault, oauth)),
            simulator_cpus=split[0] if split is not None else None,
        )  # fmt: skip
        if functions.handoffs:
            print(f"warning: {functions.handoffs} snipe(s) were handed off to a new invocation")
