"""The aiming options on the emulated links' model alone: no sockets, no CPU, no machine noise.

precision.py measures the options through the proxy on a shared machine, where a few hundred
samples carry the machine's noise too. This draws the same links' delays (`_link.Leg`) many
thousands of times: per trial, 16 probe round trips (out + eBay's time + back, probes in
sequence), each option's lead from them (`_aims.OPTIONS`, the executor's `send_lead_ns`), then
the bid's own outbound leg; error = leg - lead. The oracle sends the configured outbound latency
ahead. It shows what each aim costs in principle, and so which one to make the default; the
measured run says whether the real thing matches.

One scenario the proxy cannot show: `queue5`, where the probes (not the bid) wait behind other
snipes' probes at a busy server (exponential, mean 5 ms): the case the fastest round trip was
chosen for at concurrency 100 on loopback.

    python benchmarks/aim_model.py [--trials 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._aims import OPTIONS, PROBES, SEND_MARGIN_NS
from benchmarks._common import percentile, print_table, summary, write_result
from benchmarks._link import Leg, Link
from benchmarks.precision import OFFSET_NS, SCENARIOS

SERVER_NS = 500_000  # eBay's (the simulator's) time to answer a getBidding
ORACLE = "oracle"


def trial(
    link: Link, rng: random.Random, probe_queue_ms: float = 0.0
) -> dict[str, tuple[int, int]]:
    """One snipe: for each option and the oracle, (error ns, lead ns)."""
    trips = []
    for _ in range(PROBES):
        queue = round(rng.expovariate(1 / probe_queue_ms) * 1e6) if probe_queue_ms else 0
        trips.append(link.out.delay_ns(rng) + SERVER_NS + queue + link.back.delay_ns(rng))
    leg = link.out.delay_ns(rng)
    found = {}
    for option in OPTIONS:
        lead = option.lead_ns(trips, offset_ns=OFFSET_NS, margin_ns=SEND_MARGIN_NS)
        found[option.name] = (leg - lead, lead)
    oracle_lead = round(link.out.latency_ms * 1e6)
    found[ORACLE] = (leg - oracle_lead, oracle_lead)
    return found


def model(link: Link, trials: int, seed: int, probe_queue_ms: float = 0.0) -> dict[str, Any]:
    rng = random.Random(seed)
    errors: dict[str, list[float]] = {}
    late = dict.fromkeys([*(o.name for o in OPTIONS), ORACLE], 0)
    for _ in range(trials):
        for name, (error, _) in trial(link, rng, probe_queue_ms).items():
            errors.setdefault(name, []).append(error / 1e6)
            if error >= OFFSET_NS:
                late[name] += 1
    return {
        name: {**summary(values), "abs_p99": percentile([abs(v) for v in values], 99),
               "after_close": late[name]}
        for name, values in errors.items()
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    links = {name: (s.link, 0.0) for name, s in SCENARIOS.items() if not name.startswith("cpu")}
    links["queue5"] = (Link.symmetric(Leg(0.05)), 5.0)
    results: dict[str, Any] = {}
    rows = []
    for name, (link, queue) in links.items():
        found = model(link, args.trials, args.seed, queue)
        results[name] = {"link": link.describe(), "probe_queue_ms": queue, "clients": found}
        oracle = found[ORACLE]["abs_p99"]
        for client, stats in found.items():
            rows.append([
                name, client, stats["p50"], stats["p99"], stats["abs_p99"],
                f"{stats['abs_p99'] - oracle:+.2f}", stats["after_close"],
            ])  # fmt: skip
    print_table(
        f"Aiming on the link model: bid leg - lead, ms ({args.trials} trials a scenario)",
        ["scenario", "client", "p50", "p99", "|err| p99", "vs oracle |p99|", "after close"],
        rows,
    )  # fmt: skip
    data = {"trials": args.trials, "seed": args.seed, "server_ms": SERVER_NS / 1e6,
            "scenarios": results}  # fmt: skip
    write_result("aim_model", data)
    return data


if __name__ == "__main__":
    main()
