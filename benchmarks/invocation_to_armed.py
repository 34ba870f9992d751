"""Invocation to armed: how long the bid executor takes from being invoked to holding its snipe
(ARMED, the claim written to DynamoDB), cold and warm, for this tree and, side by side in one run,
another (`--before`: e.g. a checkout of the commit before the executor's AWS I/O moved from
hand-written SigV4 clients to the SDK).

Each container is a fresh process (benchmarks/_armed_worker.py) with the tree under test first on
its PYTHONPATH: it imports the executor's Lambda app, builds it as Lambda's init does (secrets,
clients), and invokes it once per snipe. Cold: from the process's first line to the claim of its
first snipe (import, build, first invocation). Warm: each later invocation in the same process.
The local AWS and the eBay simulator run in processes of their own, as in executor_timing.py.

    python benchmarks/invocation_to_armed.py [--containers 5] [--warm 10] [--before PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from benchmarks._common import percentile, print_table, write_result
from benchmarks._services import start_local_aws, start_simulator, use_fake_aws_credentials
from benchmarks._world import NotificationSink, SimAdmin, make_bidders
from benchmarks.executor_timing import new_snipe
from sniper.aws_clients import AwsClients
from sniper.devstack.local.aws import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_RU_NAME
from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import endpoints_for
from sniper.ebay.http import EbayHttp
from sniper.ebay.oauth import EbayOAuth
from sniper.services.ebay_tokens import EbayTokens
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "_armed_worker.py"
# Close this soon after the snipe is made: inside every version's run window (no relay, no wait).
CLOSES_IN_MS = 14_000


def _container(tree: Path, environment: dict[str, str], snipes: list[list[str]], function: str
               ) -> dict[str, Any]:  # fmt: skip
    job = json.dumps({"environment": environment, "snipes": snipes, "function": function})
    done = subprocess.run(
        [sys.executable, str(WORKER)], input=job, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(tree)}, cwd=tree, timeout=120,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"import_ms"')]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"worker failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


async def measure(trees: dict[str, Path], containers: int, warm: int) -> dict[str, Any]:
    use_fake_aws_credentials()
    sim_child, sim_url = start_simulator()
    aws_child, aws = start_local_aws("sniper-armed")
    aws.ebay_base_url = sim_url
    functions = NotificationSink(aws)
    await functions.start()
    clients = AwsClients(region=aws.region, endpoint_url=aws.endpoint)
    http = aiohttp.ClientSession(base_url=sim_url)
    eb_http = EbayHttp()
    try:
        dynamodb = await clients.get("dynamodb")
        users = UsersRepository(DynamoTable(dynamodb, aws.refs["UsersTable"]))
        vault = TokenVault(await clients.get("kms"), aws.refs["UserTokenKey"])
        oauth = EbayOAuth(
            eb_http,
            endpoints_for("local", sim_url),
            AppCredentials(
                client_id=LOCAL_CLIENT_ID, client_secret=LOCAL_CLIENT_SECRET, ru_name=LOCAL_RU_NAME
            ),
        )
        sim = SimAdmin(http)
        snipes = SnipesRepository(DynamoTable(dynamodb, aws.refs["BidsTable"]))
        bidders = await make_bidders(1 + warm, sim, users, EbayTokens(users, vault, oauth))
        environment = functions.environment("BidExecutorFunction")
        function = aws.refs["BidExecutorFunction"]
        results: dict[str, Any] = {}
        for name, tree in trees.items():
            cold: list[float] = []
            warm_ms: list[float] = []
            builds: list[float] = []
            for index in range(containers):
                close_ms = time.time_ns() // 1_000_000 + CLOSES_IN_MS
                made = []
                for bidder in bidders:
                    auction = await sim.auction(close_ms * 1_000_000)
                    made.append(await snipes.create(new_snipe(bidder, auction, close_ms)))
                run = await asyncio.to_thread(
                    _container, tree, environment, [[s.user_id, s.bid_id] for s in made], function
                )
                cold.append(run["armed_ms"][0])
                warm_ms += run["armed_ms"][1:]
                builds.append(run["import_ms"] + run["build_ms"])
                print(f"  {name} container {index + 1}/{containers}: cold {run['armed_ms'][0]:.0f}"
                      f" ms (import {run['import_ms']:.0f}, build {run['build_ms']:.0f})",
                      flush=True)  # fmt: skip
            results[name] = {"cold": cold, "warm": warm_ms, "import_and_build": builds}
        return results
    finally:
        await http.close()
        await eb_http.close()
        await clients.close()
        await functions.stop()
        sim_child.stop()
        aws_child.stop()


def _row(name: str, kind: str, values: list[float]) -> list[Any]:
    if not values:
        return [name, kind, 0, "-", "-", "-"]
    return [name, kind, len(values), statistics.median(values), percentile(values, 99),
            max(values)]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--containers", type=int, default=5, help="cold starts per tree")
    parser.add_argument("--warm", type=int, default=10, help="warm invocations per container")
    parser.add_argument("--before", type=Path, default=None, help="another tree to compare")
    args = parser.parse_args(argv)
    trees = {"this tree": ROOT}
    if args.before is not None:
        trees = {"before": args.before.resolve(), **trees}
    results = asyncio.run(measure(trees, args.containers, args.warm))
    rows = [
        row
        for name, found in results.items()
        for row in (_row(name, "cold (process start)", found["cold"]),
                    _row(name, "import + build", found["import_and_build"]),
                    _row(name, "warm", found["warm"]))
    ]  # fmt: skip
    print_table("Invocation to armed, ms", ["tree", "invocation", "n", "p50", "p99", "max"], rows)
    data = {"trees": {name: str(tree) for name, tree in trees.items()}, "results": results}
    write_result("invocation_to_armed", data)
    return data


if __name__ == "__main__":
    main()
