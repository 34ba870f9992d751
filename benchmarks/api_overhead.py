"""What the API's own path costs above the one AWS call it makes: in one process, request by
request, a raw DynamoDB GetItem, the in-process `GET /users/profile` (the same GetItem behind
the function's resolver, routing, identity and view) and `GET /openapi.json` (no AWS call),
interleaved so that all three meet the same machine at the same moment.

`api_latency.py` measures whole routes one after the other, and its figures move by a
millisecond from run to run here; the difference "profile - raw GetItem" taken request by request
does not, and tells a change in our code from a change in moto or the machine.

    python benchmarks/api_overhead.py [--requests 1000] [--before PATH] [--rounds 2]

With `--before`, each round runs this script once per tree in a fresh process, the other tree's
`sniper` on the path (its older layout, `sniper.local`, is accepted).
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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

# The tree whose code is measured: this one, or (in a child run of --before) the other.
sys.path.insert(0, os.environ.get("API_OVERHEAD_TREE", str(Path(__file__).resolve().parents[1])))

import jwt

from benchmarks._api_event import api_event
from benchmarks._common import print_table, write_result
from sniper.aws_clients import AwsClients

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 100


async def measure(requests: int) -> dict[str, float]:
    try:
        from sniper.devstack.local.stack import LocalStack, StackOptions
        from sniper.devstack.local.template import Template
    except ImportError:  # a tree from before the development stack moved under devstack/
        from sniper.local.stack import (  # type: ignore[import-not-found,no-redef]
            LocalStack,
            StackOptions,
        )
        from sniper.local.template import Template  # type: ignore[import-not-found,no-redef]

    quiet = {spec.logical_id: {"LOG_LEVEL": "WARNING"} for spec in Template.load().functions()}
    options = StackOptions(api_port=0, stack_name="sniper-bench-overhead", function_overrides=quiet)
    async with LocalStack(options) as stack:
        assert stack.aws is not None and stack.functions is not None
        functions, aws = stack.functions, stack.aws
        claims = jwt.decode((await stack.sign_in()).id_token, options={"verify_signature": False})
        clients = AwsClients(region=aws.region, endpoint_url=aws.endpoint)
        dynamodb = await clients.get("dynamodb")
        key = {"userId": {"S": claims["sub"]}}

        async def raw_get_item() -> None:
            await dynamodb.get_item(TableName=aws.refs["UsersTable"], Key=key)

        def route(path: str, authorized: bool) -> Callable[[], Awaitable[None]]:
            async def call() -> None:
                event = api_event(
                    "GET", path, f"GET {path}", claims=claims if authorized else None,
                    time_epoch_ms=time.time_ns() // 1_000_000,
                )  # fmt: skip
                answer = await functions.invoke("UserManagementFunction", event)
                assert answer["statusCode"] == 200, answer

            return call

        calls = {
            "raw GetItem": raw_get_item,
            "GET /users/profile": route("/users/profile", True),
            "GET /openapi.json": route("/openapi.json", False),
        }
        timings: dict[str, list[float]] = {name: [] for name in calls}
        try:
            for index in range(WARM_UP + requests):
                for name, call in calls.items():
                    started = time.perf_counter_ns()
                    await call()
                    if index >= WARM_UP:
                        timings[name].append((time.perf_counter_ns() - started) / 1e6)
        finally:
            await clients.close()
    return {name: statistics.median(values) for name, values in timings.items()}


def _child(tree: Path, requests: int) -> dict[str, float]:
    environment = {**os.environ, "API_OVERHEAD_TREE": str(tree)}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--requests", str(requests), "--child"],
        cwd=tree, env=environment, check=True, capture_output=True, text=True,
    )  # fmt: skip
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="of each kind, per run")
    parser.add_argument("--before", type=Path, default=None, help="another tree to compare")
    parser.add_argument("--rounds", type=int, default=2, help="with --before: runs per tree")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(measure(args.requests))))
        return {}
    trees = {"this tree": ROOT}
    if args.before is not None:
        trees = {"before": args.before.resolve(), **trees}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for index in range(args.rounds if args.before is not None else 1):
        for name, tree in trees.items():
            runs[name].append(_child(tree, args.requests))
            print(f"  round {index + 1}: {name} done", flush=True)
    rows = [
        [name, index + 1, *run.values(), run["GET /users/profile"] - run["raw GetItem"]]
        for name, found in runs.items()
        for index, run in enumerate(found)
    ]
    print_table(
        f"The API's own path above its AWS call: p50 of {args.requests} interleaved requests, ms",
        ["tree", "round", "raw GetItem", "GET /users/profile", "GET /openapi.json",
         "profile - raw GetItem"],
        rows,
    )  # fmt: skip
    data = {"trees": {name: str(tree) for name, tree in trees.items()},
            "requests": args.requests, "p50_by_round": runs}  # fmt: skip
    write_result("api_overhead", data)
    return data


if __name__ == "__main__":
    main()
