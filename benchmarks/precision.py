"""Firing precision under real conditions: an emulated internet path and Lambda's CPU share.

Per scenario (a network `Link` and a Lambda memory size), each round lands, at separate instants:

- the real executor's bid: `build_executor` (in a process of its own, under the CPU share of the
  memory size), the whole snipe: claim, token, re-read, probes, fire, settle; its eBay traffic
  goes through the delay proxy;
- one bid per aiming option (`_aims.OPTIONS`), fired in the same process by the executor's firing
  code, all aimed from one series of 16 probes: the aims side by side on the same measurements;
- the oracle's bid, from this (unconstrained) process on a connection opened and warmed through
  the same proxy: it sends at `target - the configured outbound latency`. It knows the link's
  configuration exactly (the latency is the centre of the jitter distribution); it cannot know
  each segment's jitter sample or which segment a spike hits. Its error is what the network
  alone costs; ours minus its is the figure of merit.

Every bid aims to ARRIVE at its target, `close - offset` (offset 1 s), and its arrival is the
simulator's stamp when the proxy delivered it. Error = arrival - target; the tables give the
signed p50/p99 and the p99 of |error|, the figure compared with the oracle's.

    python benchmarks/precision.py [--quick] [--rounds 60] [--scenarios net80,cpu512]
                                   [--cfs-period-ms 100] [--no-pin] [--realtime]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec

from benchmarks._aims import OPTIONS, PROBES
from benchmarks._common import percentile, print_table, write_result
from benchmarks._cpu_share import CpuShare, vcpus_for_memory
from benchmarks._floor import FloorClient, bid_requests
from benchmarks._link import Leg, Link
from benchmarks._precision_stats import (
    CLIENT_HEADERS,
    ClientSamples,
    client_row,
    cpu_ratio,
    late_total,
    verdict,
    within_of_oracle,
)
from benchmarks._services import (
    ROOT,
    Child,
    _spawn,
    pin,
    realtime,
)
from benchmarks._world import World, open_world
from benchmarks.executor_timing import MAX_BID, new_snipe

OFFSET_NS = 1_000_000_000  # the targets speak of offsets of 1 s and more
OPTION_START_NS = 600_000_000  # the options fire this long after the executor's target...
OPTION_SPACING_NS = 60_000_000  # ...one after the other, so no two waits overlap
EXECUTOR = "executor (real)"
ORACLE = "oracle"


@dataclass(frozen=True)
class Scenario:
    link: Link
    memory_mb: int
    # The executor's PREPARE_LEAD_SECONDS when given (`--prepare-lead`); else the shortest lead
    # that fits the re-read and the warm-up on this path, which leaves the aim ~4 round trips.
    prepare_s: float | None = None

    def rtt_max_ms(self) -> float:
        out, back = self.link.out, self.link.back
        return (
            out.latency_ms + out.jitter_ms + back.latency_ms + back.jitter_ms
            + out.spike_ms + back.spike_ms
        )  # fmt: skip

    def rtt_typical_ms(self) -> float:
        return self.link.out.latency_ms + self.link.back.latency_ms

    def prepare_lead_s(self) -> float:
        """The executor's PREPARE_LEAD_SECONDS: re-read and probes on this path, plus the 1 s
        before its instant at which it moves to BIDDING."""
        if self.prepare_s is not None:
            return self.prepare_s
        return 1.2 + 6 * self.rtt_max_ms() / 1000

    def round_lead_s(self) -> float:
        """From a round's start to the executor's target: its prepare lead after claim and
        token, and time for the options' probe series (eight round trips) before they aim."""
        probes = (PROBES // 2) * 1.3 * self.rtt_typical_ms() / 1000 + 0.3
        return max(self.prepare_lead_s() + 0.8, probes)


SCENARIOS: dict[str, Scenario] = {
    "net20": Scenario(Link.symmetric(Leg(20, 2)), 1769),
    "net80": Scenario(Link.symmetric(Leg(80, 10)), 1769),
    "net150": Scenario(Link.symmetric(Leg(150, 15)), 1769),
    "asym80": Scenario(Link(Leg(90, 10), Leg(70, 10)), 1769),
    "spikes80": Scenario(Link.symmetric(Leg(80, 10, spike_ms=200, spike_share=0.05)), 1769),
    "cpu1024": Scenario(Link.symmetric(Leg(20, 2)), 1024),
    "cpu512": Scenario(Link.symmetric(Leg(20, 2)), 512),
}
FULL_ROUNDS = 60
QUICK_ROUNDS = 3


# ---------------------------------------------------------------------- children
def start_proxy(upstream: str, link: Link, seed: int) -> tuple[Child, str]:
    def leg(value: Leg) -> str:
        return f"{value.latency_ms:g},{value.jitter_ms:g}"

    args = ["-m", "benchmarks._delay_proxy", "--upstream", upstream,
            "--out", leg(link.out), "--back", leg(link.back), "--seed", str(seed),
            "--distribution", link.out.distribution]  # fmt: skip
    if link.out.spike_share:
        args += ["--spike", f"{link.out.spike_ms:g},{link.out.spike_share:g}"]
    child = _spawn(args)
    return child, json.loads(child.first_line)["url"]


def stop_proxy(child: Child) -> dict[str, Any]:
    """Close its stdin and read the statistics it prints on the way out."""
    assert child.process.stdin is not None and child.process.stdout is not None
    child.process.stdin.close()
    line = child.process.stdout.readline()
    child.process.wait(10)
    return json.loads(line) if line.strip() else {}


class Worker:
    """`_precision_worker.py` in its own process: one executor container."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._precision_worker"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def send(self, payload: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(payload) + "\n")
        self.process.stdin.flush()

    async def receive(self) -> Any:
        assert self.process.stdout is not None
        line = await asyncio.to_thread(self.process.stdout.readline)
        if not line:
            raise RuntimeError(f"the worker exited ({self.process.wait(5)})")
        return json.loads(line)

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


# ---------------------------------------------------------------------- one scenario
def _ms_grid(ns: int) -> int:
    """The simulator keeps auction ends in milliseconds: targets on the same grid."""
    return ns // 1_000_000 * 1_000_000


async def _oracle_bid(world: World, proxy_url: str, item_id: str, send_at_ns: int) -> int:
    """The oracle's bid; returns how late its bytes left (ns after `send_at_ns`)."""
    warm_up, request = bid_requests(proxy_url, world.bidders[0].access_token, item_id, MAX_BID)
    client = FloorClient(proxy_url)
    await client.open(warm_up)
    try:
        shot = await client.fire(request, send_at_ns)
    finally:
        await client.close()
    return shot.sent_ns - send_at_ns


async def run_round(
    world: World, worker: Worker, scenario: Scenario, proxy_url: str, found: dict[str, Any]
) -> dict[str, tuple[int | None, int, int]]:
    """One round; for each client: (arrival, target, close) in ns."""
    target = _ms_grid(time.time_ns() + int(scenario.round_lead_s() * 1e9))
    option_targets = [target + OPTION_START_NS + i * OPTION_SPACING_NS for i in range(len(OPTIONS))]
    oracle_target = option_targets[-1] + OPTION_SPACING_NS
    targets = [target, *option_targets, oracle_target]
    auctions = await asyncio.gather(*(world.sim.auction(t + OFFSET_NS) for t in targets))
    # new_snipe carries the executor benchmark's offset; these aim 1 s before the close.
    snipe = await world.snipes.create(msgspec.structs.replace(
        new_snipe(world.bidders[0], auctions[0], (target + OFFSET_NS) // 1_000_000),
        offset_seconds=OFFSET_NS / 1e9,
    ))  # fmt: skip
    options = [
        {"itemId": a["itemId"], "legacyItemId": a["legacyItemId"], "targetNs": t,
         "closeNs": t + OFFSET_NS, "offsetNs": OFFSET_NS}
        for a, t in zip(auctions[1:-1], option_targets, strict=True)
    ]  # fmt: skip
    worker.send({"round": {
        "userId": snipe.user_id, "bidId": snipe.bid_id, "token": world.bidders[0].access_token,
        "apiBase": proxy_url, "options": options,
    }})  # fmt: skip
    oracle_item = auctions[-1]["itemId"]
    send_at = oracle_target - round(scenario.link.out.latency_ms * 1e6)
    reply, oracle_late = await asyncio.gather(
        worker.receive(), _oracle_bid(world, proxy_url, oracle_item, send_at)
    )
    found.setdefault("results", []).append(reply["result"])
    found.setdefault("oracle_send_late_ms", []).append(oracle_late / 1e6)
    found.setdefault("round_trips_ms", []).append([rt / 1e6 for rt in reply["roundTrips"]])
    found.setdefault("leads", []).append([s["leadNs"] for s in reply["shots"]])
    arrivals: dict[str, int] = {}
    for bid in await world.sim.bids():
        if bid.get("bidder") == world.bidders[0].username and bid.get("source", "api") == "api":
            arrivals.setdefault(bid["itemId"], int(bid["arrivedNs"]))
    names = [EXECUTOR, *(o.name for o in OPTIONS), ORACLE]
    return {
        name: (arrivals.get(a["itemId"]), t, t + OFFSET_NS)
        for name, a, t in zip(names, auctions, targets, strict=True)
    }


async def run_scenario(
    world: World,
    name: str,
    scenario: Scenario,
    rounds: int,
    period_us: int,
    seed: int,
    proxy_cpus: set[int] | None,
    *,
    rt: bool = False,
) -> dict[str, Any]:
    proxy, proxy_url = start_proxy(world.sim_url, scenario.link, seed)
    if proxy_cpus is not None:
        pin(proxy.process, proxy_cpus)
    if rt and not realtime(proxy.process):
        print("  warning: could not give the delay proxy real-time priority")
    vcpus = vcpus_for_memory(scenario.memory_mb)
    share = CpuShare(f"sniper-precision-{uuid.uuid4().hex[:8]}", vcpus, period_us=period_us)
    quota = CpuShare.available()
    if quota:
        share.open()
    else:
        print("  warning: no cgroup v1 cpu hierarchy (or not root): running without a quota")
    worker = Worker()
    found: dict[str, Any] = {}
    samples = {n: ClientSamples() for n in [EXECUTOR, *(o.name for o in OPTIONS), ORACLE]}
    try:
        if quota:
            share.add(worker.process.pid)
        environment = world.functions.environment("BidExecutorFunction")
        environment.update({
            "EBAY_BASE_URL": proxy_url,
            "PREPARE_LEAD_SECONDS": f"{scenario.prepare_lead_s():.2f}",
            "SETTLE_GRACE_SECONDS": "0.1",
            "SETTLE_TIMEOUT_SECONDS": "10",
            "LOG_LEVEL": "WARNING",
        })  # fmt: skip
        function_name = world.aws.refs["BidExecutorFunction"]
        worker.send({"init": {"environment": environment, "function_name": function_name}})
        await worker.receive()
        for index in range(rounds):
            landed = await run_round(world, worker, scenario, proxy_url, found)
            for client, (arrival, target, close) in landed.items():
                samples[client].add(arrival, target, close)
            if rounds >= 10 and (index + 1) % max(1, rounds // 5) == 0:
                print(f"  {name}: {index + 1}/{rounds} rounds")
        for leads in found.get("leads", []):
            for option, lead in zip(OPTIONS, leads, strict=True):
                samples[option.name].leads.append(lead / 1e6)
        cpu = share.stat() if quota else {}
    finally:
        worker.stop()
        if quota:
            share.close()
        network = stop_proxy(proxy)
    results = found.get("results", [])
    if any(r != "done" for r in results):
        print(f"  warning: executor results {sorted(set(results))}")
    return {
        "link": scenario.link.describe(), "memory_mb": scenario.memory_mb,
        "vcpus": round(vcpus, 3), "cfs_period_us": period_us if quota else None,
        "rounds": rounds, "cpu_stat": cpu, "proxy": network,
        "round_trips_ms": found.get("round_trips_ms", []),
        "oracle_send_late_ms": found.get("oracle_send_late_ms", []),
        "clients": {n: s.stats() for n, s in samples.items()},
        "_samples": samples,
    }  # fmt: skip


# ---------------------------------------------------------------------- main
async def measure(
    scenarios: dict[str, Scenario], rounds: int, period_us: int, *, pin_simulator: bool, rt: bool
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    async with open_world(
        1, stack_name="sniper-precision", pin_simulator=pin_simulator, realtime_simulator=rt
    ) as world:
        for seed, (name, scenario) in enumerate(scenarios.items(), start=1):
            started = time.monotonic()
            print(f"{name}: {scenario.link.describe()}, {scenario.memory_mb} MB "
                  f"({vcpus_for_memory(scenario.memory_mb):.2f} vCPU), {rounds} round(s)")  # fmt: skip
            results[name] = await run_scenario(
                world, name, scenario, rounds, period_us, seed, world.simulator_cpus, rt=rt
            )
            results[name]["seconds"] = round(time.monotonic() - started, 1)
    return results


CONDITION_HEADERS = [
    "scenario", "link", "MB", "vCPU", "rounds", "net late p50", "net late p99",
    "throttled periods", "oracle send late p99", "probe RTT p50",
]  # fmt: skip


def condition_row(name: str, found: dict[str, Any]) -> list[Any]:
    """What the scenario really was: the emulation's own lateness, throttling, the oracle's
    wake-up, the round trips the probes measured."""
    proxy, cpu = found["proxy"], found["cpu_stat"]
    throttled = f"{cpu['nr_throttled']}/{cpu['nr_periods']}" if "nr_periods" in cpu else "-"
    late = found["oracle_send_late_ms"]
    trips = [t for series in found["round_trips_ms"] for t in series]
    return [
        name, found["link"], found["memory_mb"], found["vcpus"], found["rounds"],
        proxy.get("late_p50_ms", "-"), proxy.get("late_p99_ms", "-"), throttled,
        percentile(late, 99) if late else "-", percentile(trips, 50) if trips else "-",
    ]  # fmt: skip


def report(results: dict[str, Any]) -> dict[str, Any]:
    rows, verdicts = [], {}
    by_scenario: dict[str, dict[str, ClientSamples]] = {}
    for name, found in results.items():
        samples: dict[str, ClientSamples] = found.pop("_samples")
        by_scenario[name] = samples
        oracle = samples[ORACLE]
        for client, client_samples in samples.items():
            rows.append(client_row(name, client, client_samples, oracle))
        proxy = found["proxy"]
        throttled = found["cpu_stat"]
        found["summary"] = {
            "late_or_missing": late_total(samples),
            "proxy_late_p99_ms": proxy.get("late_p99_ms"),
            "throttled_periods": throttled.get("nr_throttled"),
        }
    print_table(
        "Firing error: arrival (where the emulated network delivered) - target, ms",
        CLIENT_HEADERS, rows,
    )  # fmt: skip
    print_table("Conditions", CONDITION_HEADERS, [condition_row(n, f) for n, f in results.items()])

    def samples_of(scenario: str, client: str) -> ClientSamples | None:
        return by_scenario.get(scenario, {}).get(client)

    targets = []
    ex80, or80 = samples_of("net80", EXECUTOR), samples_of("net80", ORACLE)
    if ex80 is not None and or80 is not None:
        ok = within_of_oracle(ex80, or80, 3.0)
        verdicts["net80_within_3ms_of_oracle"] = ok
        best = [o.name for o in OPTIONS if within_of_oracle(
            samples_of("net80", o.name) or ClientSamples(), or80, 3.0)]  # fmt: skip
        targets.append(["80±10 ms: |err| p99 within 3 ms of the oracle's", "executor (today's aim)",
                        verdict(ok), ", ".join(best) or "none"])  # fmt: skip
    late = sum(f["summary"]["late_or_missing"] for f in results.values())
    verdicts["no_bid_after_close"] = late == 0 if results else None
    targets.append(["no bid after the close (offset 1 s), spikes included", "every client",
                    verdict(late == 0) + f" ({late} late or missing)", "-"])  # fmt: skip
    ref = samples_of("net20", EXECUTOR)
    for scenario, memory in (("cpu1024", 1024), ("cpu512", 512)):
        share = samples_of(scenario, EXECUTOR)
        if ref is None or share is None:
            continue
        ratio = cpu_ratio(share, ref)
        if memory == 1024:
            verdicts["cpu_0_58_at_most_twice"] = None if ratio is None else ratio <= 2.0
        targets.append([f"{memory} MB: |err| p99 at most 2x the 1 vCPU figure", "executor",
                        ("n/a" if ratio is None else f"{ratio:.2f}x"), "-"])  # fmt: skip
    print_table("Targets", ["target", "who", "result", "aiming options that meet it"], targets)
    return verdicts


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds a scenario")
    parser.add_argument("--rounds", type=int, default=None, help=f"default {FULL_ROUNDS}")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--cfs-period-ms", type=float, default=100.0, help="CFS period")
    parser.add_argument("--no-pin", action="store_true", help="leave CPUs to the OS")
    parser.add_argument(
        "--realtime", action="store_true",
        help="SCHED_FIFO for the simulator and the delay proxy (a shared machine; root)",
    )  # fmt: skip
    parser.add_argument(
        "--prepare-lead", type=float, default=None, metavar="S",
        help="the executor's PREPARE_LEAD_SECONDS (8 as deployed: its aim then has 16 round "
        "trips; default: the shortest that fits the path, ~4 round trips, rounds 2-3x faster)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    names = [n for n in args.scenarios.split(",") if n]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {sorted(unknown)}; known: {list(SCENARIOS)}")
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else FULL_ROUNDS)
    period_us = int(args.cfs_period_ms * 1000)
    load_before = os.getloadavg()
    scenarios = {
        name: dataclasses.replace(SCENARIOS[name], prepare_s=args.prepare_lead) for name in names
    }
    results = asyncio.run(
        measure(scenarios, rounds, period_us, pin_simulator=not args.no_pin, rt=args.realtime)
    )
    verdicts = report(results)
    data = {
        "quick": args.quick, "offset_s": OFFSET_NS / 1e9, "probes": PROBES,
        "realtime": args.realtime, "cfs_period_ms": args.cfs_period_ms,
        "prepare_lead_s": args.prepare_lead,
        "options": [{"name": o.name, "probes": o.probes, "aim": o.aim._asdict()} for o in OPTIONS],
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
        "verdicts": verdicts, "scenarios": results,
    }  # fmt: skip
    name = "precision" + ("_quick" if rounds < FULL_ROUNDS else "")
    if args.prepare_lead is not None:
        name += f"_prepare{args.prepare_lead:g}s"
    write_result(name, data)
    return data


if __name__ == "__main__":
    main()
