"""Import time of each of the eight entrypoints in a fresh interpreter, and its heaviest modules.

Lambda imports the handler module during the init phase of every cold start, so this is the part
of a cold start our code controls. Each entrypoint is imported N times in a new `python -X
importtime` process; we report the median total and the modules with the largest cumulative time.

    python benchmarks/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import print_table, summary, write_result
from sniper.devstack.local.template import Template

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def import_profile(module: str) -> tuple[float, dict[str, float]]:
    """(total ms, ms per top-level package) of importing `module` fresh.

    A package's time is the sum of its modules' own (self) times, so nested imports are not
    counted twice and `sniper` is charged only for its own code, not for what it pulls in.
    """
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    total_us = 0
    packages: dict[str, float] = {}
    for line in result.stderr.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        own_us, cumulative_us = int(match.group(1)), int(match.group(2))
        depth = len(match.group(3)) // 2
        top = match.group(4).split(".")[0]
        if depth == 0:
            total_us += cumulative_us
        packages[top] = packages.get(top, 0.0) + own_us / 1000
    return total_us / 1000, packages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    rows = []
    results = {}
    for spec in Template.load().functions():
        totals = []
        heaviest: dict[str, list[float]] = {}
        for _ in range(args.runs):
            total, packages = import_profile(spec.module)
            totals.append(total)
            for package, ms in packages.items():
                heaviest.setdefault(package, []).append(ms)
        medians = {p: statistics.median(v) for p, v in heaviest.items()}
        top = sorted(medians.items(), key=lambda kv: kv[1], reverse=True)[:4]
        stats = summary(totals)
        results[spec.logical_id] = {
            "module": spec.module,
            "import_ms": stats,
            "heaviest_ms": dict(top),
        }
        rows.append([spec.logical_id, stats["p50"], stats["p99"],
                     ", ".join(f"{p} {ms:.0f}" for p, ms in top)])  # fmt: skip

    rows.sort(key=lambda r: r[1])
    print_table(f"Entrypoint import time, ms ({args.runs} fresh interpreters each)",
                ["function", "p50", "max", "heaviest packages (ms of their own modules)"], rows)  # fmt: skip
    executor = results["BidExecutorFunction"]["import_ms"]["p50"]
    api = [results[f]["import_ms"]["p50"] for f in (
        "UserManagementFunction", "EbayOAuthFunction", "WishlistSyncFunction",
        "BidManagementFunction", "BidHistoryFunction")]  # fmt: skip
    ratio = executor / statistics.median(api)
    print(f"\nexecutor / median API entrypoint import time: {ratio:.2f} (target < 0.50)")
    write_result(
        "cold_start", {"runs": args.runs, "functions": results, "executor_to_api_ratio": ratio}
    )


if __name__ == "__main__":
    main()
