"""API latency per route: through the local gateway (HTTP, real JWT verification) and in-process
(the same function's app called with a built HTTP API v2 event, no HTTP), side by side.

The local stack runs as `make run` runs it: moto (built from template.yaml), the eBay simulator,
the local Lambda runtime and the gateway, all in this process. The demo user is signed in through
the local Cognito and linked to a simulator eBay account through the real consent flow, so routes
that call eBay (POST /bids re-reads the item, GET /wishlist/items reads the watch list) do.
Requests are sequential on one keep-alive connection; the first few per route (container build,
JWKS fetch) are warm-up and not counted. Each POST /bids creates a snipe on a fresh auction,
cancelled again (untimed) so that every request finds the same state.

    python benchmarks/api_latency.py [--quick] [--requests 200]
    python benchmarks/api_latency.py --before PATH [--rounds 6]

`--before` compares with another tree (e.g. a checkout of an older commit): whole runs of the
two trees' own scripts alternate round by round, each in a fresh process, so both meet the same
machine; the table gives each route's median over the rounds of its p50. One run against an old
published table says little here: the same tree's p50 moves by a millisecond or more from one
run to the next on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import jwt

from benchmarks._api_event import api_event
from benchmarks._common import print_table, summary, write_result
from sniper.aws_clients import AwsClients
from sniper.devstack.local.gateway import GatewayRoutes
from sniper.devstack.local.stack import LocalStack, StackOptions
from sniper.devstack.local.template import Template
from sniper.domain.ids import new_id
from sniper.domain.money import Money
from sniper.domain.snipe import Snipe, SnipeStatus
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable

WARM_UP = 5
HISTORY_SNIPES = 300  # a user's cancelled and settled snipes, for the second POST /bids row


@dataclass
class Call:
    """One request of a route: method, path, body; `fresh` makes a per-request body, `undo`
    (untimed) removes what the request created, so every request finds the same state."""

    method: str
    path: str
    body: Any = None
    fresh: Callable[[], Awaitable[Any]] | None = None
    undo: Callable[[str], Awaitable[None]] | None = None


class Bench:
    def __init__(self, stack: LocalStack, client: aiohttp.ClientSession, claims: dict[str, Any]):
        self.stack = stack
        self.client = client
        self.claims = claims
        assert stack.aws is not None
        self.routes = GatewayRoutes.from_template(stack.aws.template)

    async def over_http(self, method: str, path: str, body: Any) -> tuple[int, str]:
        async with self.client.request(method, path, json=body) as response:
            return response.status, await response.text()

    async def in_process(self, method: str, path: str, body: Any) -> tuple[int, str]:
        raw_path, _, raw_query = path.partition("?")
        matched = self.routes.match(method, raw_path)
        assert matched is not None, path
        route, params = matched
        query = {k: v[-1] for k, v in parse_qs(raw_query).items()}
        event = api_event(
            method, raw_path, route.route_key, path_parameters=params, query=query, body=body,
            claims=self.claims if route.authorized else None,
            time_epoch_ms=time.time_ns() // 1_000_000,
        )  # fmt: skip
        assert self.stack.functions is not None
        result = await self.stack.functions.invoke(route.function, event)
        if not isinstance(result, dict) or "statusCode" not in result:
            return 200, json.dumps(result)
        return int(result["statusCode"]), str(result.get("body") or "")

    async def timed(self, mode: str, call: Call) -> tuple[float, int]:
        body = await call.fresh() if call.fresh is not None else call.body
        send = self.over_http if mode == "gateway" else self.in_process
        started = time.perf_counter_ns()
        status, answer = await send(call.method, call.path, body)
        elapsed = (time.perf_counter_ns() - started) / 1e6
        if call.undo is not None and status < 300:
            await call.undo(answer)
        return elapsed, status


async def sim_call(sim: aiohttp.ClientSession, method: str, path: str, body: Any = None) -> Any:
    async with sim.request(method, path, json=body) as response:
        payload = await response.json()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {payload}")
        return payload


async def link_demo_user(client: aiohttp.ClientSession, sim: aiohttp.ClientSession) -> str:
    """The consent flow as a browser runs it; returns the simulator username."""
    username = "bench_buyer"
    await sim_call(sim, "POST", "/sim/users", {"username": username})
    async with client.get("/ebay/auth/url") as response:
        consent = await response.json()
    async with (
        aiohttp.ClientSession() as browser,
        browser.get(f"{consent['url']}&username={username}", allow_redirects=False) as page,
    ):
        redirect = parse_qs(urlsplit(page.headers["Location"]).query)
    grant = {"code": redirect["code"][0], "state": redirect["state"][0]}
    async with client.post("/ebay/auth/callback", json=grant) as response:
        if response.status != 200:
            raise RuntimeError(f"linking eBay failed: {response.status} {await response.text()}")
    return username


async def long_history(
    bench: Bench,
    user_id: str,
    new_bid: Callable[[], Awaitable[Any]],
    undo: Callable[[str], Awaitable[None]],
    requests: int,
) -> dict[str, Any]:
    """POST /bids again once the user has HISTORY_SNIPES cancelled snipes in the Bids table:
    the create reads all of a user's snipes to refuse a second live one on the same item."""
    aws = bench.stack.aws
    assert aws is not None
    clients = AwsClients(region=aws.region, endpoint_url=aws.endpoint)
    try:
        snipes = SnipesRepository(DynamoTable(await clients.get("dynamodb"), aws.refs["BidsTable"]))
        now_ms = time.time_ns() // 1_000_000
        for _ in range(HISTORY_SNIPES):
            legacy = str(120_000_000_000 + secrets.randbelow(10**9))
            await snipes.create(Snipe(
                user_id=user_id, bid_id=new_id(), item_id=f"v1|{legacy}|0",
                legacy_item_id=legacy, marketplace_id="EBAY_US", title="An old snipe",
                max_bid=Money.parse("20.00", "USD"), offset_seconds=3.0,
                auction_end_ms=now_ms - 86_400_000, status=SnipeStatus.CANCELLED,
                reason="cancelled", created_ms=now_ms, updated_ms=now_ms,
            ))  # fmt: skip
    finally:
        await clients.close()
    call = Call("POST", "/bids", fresh=new_bid, undo=undo)
    timings: dict[str, list[float]] = {"gateway": [], "in_process": []}
    for index in range(WARM_UP + max(20, requests // 4)):
        for mode, values in timings.items():
            elapsed, _ = await bench.timed(mode, call)
            if index >= WARM_UP:
                values.append(elapsed)
    return {"snipes_in_history": HISTORY_SNIPES,
            **{mode: {"ms": summary(values)} for mode, values in timings.items()}}  # fmt: skip


async def measure(requests: int) -> tuple[dict[str, Any], dict[str, Any]]:
    # The functions' per-request INFO lines go to stdout (as on Lambda); they would drown the
    # tables. Their cost is left out of the numbers with them.
    quiet = {spec.logical_id: {"LOG_LEVEL": "WARNING"} for spec in Template.load().functions()}
    options = StackOptions(
        api_port=0, stack_name="sniper-bench-api", function_overrides=quiet,
    )  # fmt: skip
    async with LocalStack(options) as stack:
        assert stack.ebay is not None and stack.api_url is not None and stack.aws is not None
        tokens = await stack.sign_in()
        claims = jwt.decode(tokens.id_token, options={"verify_signature": False})
        headers = {"Authorization": f"Bearer {tokens.id_token}"}
        async with (
            aiohttp.ClientSession(base_url=stack.api_url, headers=headers) as client,
            aiohttp.ClientSession(base_url=stack.ebay.url) as sim,
        ):
            bench = Bench(stack, client, claims)
            username = await link_demo_user(client, sim)

            async def auction() -> str:
                body = {"title": "Benchmark lens", "startPrice": "10.00", "endsInSeconds": 86_400}
                created = await sim_call(sim, "POST", "/sim/auctions", body)
                item_id: str = created["itemId"]
                return item_id

            watched = [await auction() for _ in range(5)]
            await sim_call(sim, "PUT", f"/sim/watchlist/{username}", {"itemIds": watched})

            async def new_bid() -> dict[str, Any]:
                return {"itemId": await auction(), "maxBid": {"value": "25.00", "currency": "USD"}}

            async with client.post("/bids", json=await new_bid()) as response:
                bid_id = (await response.json())["bidId"]

            bids_table = stack.aws.refs["BidsTable"]
            dynamodb = stack.aws.client("dynamodb")

            async def undo(created: str) -> None:
                # Every POST finds the same state: cancelling removes the schedule (the local
                # scheduler rescans every schedule every 2 s in this process), deleting the row
                # keeps the user's snipe count (POST /bids reads all of a user's snipes).
                new_id = json.loads(created)["bidId"]
                await bench.in_process("DELETE", f"/bids/{new_id}", None)
                key = {"userId": {"S": claims["sub"]}, "bidId": {"S": new_id}}
                await asyncio.to_thread(dynamodb.delete_item, TableName=bids_table, Key=key)

            calls = {
                "GET /users/profile": Call("GET", "/users/profile"),
                "PUT /users/preferences": Call(
                    "PUT", "/users/preferences", {"defaultOffsetSeconds": 5.0}
                ),
                "GET /bids": Call("GET", "/bids"),
                "GET /bids/{bidId}": Call("GET", f"/bids/{bid_id}"),
                "GET /bid-history": Call("GET", "/bid-history"),
                "GET /wishlist/items": Call("GET", "/wishlist/items"),
                "GET /ebay/auth/status": Call("GET", "/ebay/auth/status"),
                "GET /openapi.json": Call("GET", "/openapi.json"),
                "POST /bids": Call("POST", "/bids", fresh=new_bid, undo=undo),
            }
            results: dict[str, Any] = {}
            modes = ("gateway", "in_process")
            for name, call in calls.items():
                timings: dict[str, list[float]] = {mode: [] for mode in modes}
                statuses: dict[str, set[int]] = {mode: set() for mode in modes}
                # Alternate the modes so both see the same state (POST /bids grows the table).
                for index in range(WARM_UP + requests):
                    for mode in modes:
                        elapsed, status = await bench.timed(mode, call)
                        statuses[mode].add(status)
                        if index >= WARM_UP:
                            timings[mode].append(elapsed)
                results[name] = {}
                for mode in modes:
                    if any(s >= 400 for s in statuses[mode]):
                        print(f"  warning: {name} ({mode}) answered {sorted(statuses[mode])}")
                    results[name][mode] = {
                        "ms": summary(timings[mode]), "statuses": sorted(statuses[mode])
                    }  # fmt: skip
                print(f"  {name}: done")
            history = await long_history(bench, claims["sub"], new_bid, undo, requests)
            return results, history


ROOT = Path(__file__).resolve().parents[1]


def _run_tree(tree: Path, requests: int) -> dict[str, Any]:
    """One whole run of a tree's own script, in a process of its own; its result file."""
    script = tree / "benchmarks" / "api_latency.py"
    subprocess.run(
        [sys.executable, str(script), "--requests", str(requests)],
        cwd=tree, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    found: dict[str, Any] = json.loads(
        (tree / "benchmarks" / "results" / "api_latency.json").read_text()
    )
    return found


def _p50s(run: dict[str, Any]) -> dict[str, dict[str, float]]:
    routes = {**run["routes"], f"POST /bids, {HISTORY_SNIPES} past snipes":
              run["post_bids_with_history"]}  # fmt: skip
    return {
        route: {mode: modes[mode]["ms"]["p50"] for mode in ("gateway", "in_process")}
        for route, modes in routes.items()
    }


def compare(before: Path, rounds: int, requests: int) -> dict[str, Any]:
    trees = {"before": before.resolve(), "this tree": ROOT}
    runs: dict[str, list[dict[str, dict[str, float]]]] = {name: [] for name in trees}
    for index in range(rounds):
        for name, tree in trees.items():
            runs[name].append(_p50s(_run_tree(tree, requests)))
            print(f"  round {index + 1}/{rounds}: {name} done", flush=True)

    def median(name: str, route: str, mode: str) -> float:
        return statistics.median(run[route][mode] for run in runs[name] if route in run)

    rows = []
    for route in runs["this tree"][0]:
        if not all(route in run for run in runs["before"]):
            continue
        values = [median(name, route, mode) for mode in ("gateway", "in_process")
                  for name in trees]  # fmt: skip
        rows.append([route, *values, values[3] / values[2]])
    print_table(
        f"API latency, median over {rounds} rounds of each route's p50, ms "
        f"({requests} requests per route, mode and round)",
        ["route", "before gateway", "this gateway", "before in-process", "this in-process",
         "this / before in-process"],
        rows,
    )  # fmt: skip
    data = {"trees": {name: str(tree) for name, tree in trees.items()}, "rounds": rounds,
            "requests": requests, "p50_by_round": runs}  # fmt: skip
    write_result("api_latency_compare", data)
    return data


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20 requests per route")
    parser.add_argument("--requests", type=int, default=None, help="per route and mode")
    parser.add_argument("--before", type=Path, default=None, help="another tree to compare")
    parser.add_argument("--rounds", type=int, default=6, help="with --before: runs per tree")
    args = parser.parse_args(argv)
    requests = args.requests or (20 if args.quick else 200)
    if args.before is not None:
        return compare(args.before, args.rounds, requests)

    results, history = asyncio.run(measure(requests))
    rows = []
    for name, modes in [*results.items(),
                        (f"POST /bids, {HISTORY_SNIPES} past snipes", history)]:  # fmt: skip
        gateway, local = modes["gateway"]["ms"], modes["in_process"]["ms"]
        rows.append([name, gateway["p50"], gateway["p99"], local["p50"], local["p99"],
                     gateway["p50"] - local["p50"]])  # fmt: skip
    print_table(
        f"API latency per route, ms ({requests} sequential requests per route and mode)",
        ["route", "gateway p50", "gateway p99", "in-process p50", "in-process p99",
         "gateway overhead p50"],
        rows,
    )  # fmt: skip
    data = {"quick": args.quick, "requests": requests, "warm_up": WARM_UP, "routes": results,
            "post_bids_with_history": history}  # fmt: skip
    write_result("api_latency" + ("_quick" if args.quick else ""), data)
    return data


if __name__ == "__main__":
    main()
