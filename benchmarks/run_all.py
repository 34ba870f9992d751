"""Every benchmark with sensible defaults, one after the other: `make bench`.

Each runs in its own interpreter (a fresh process: no state or imports shared between them) and
writes its JSON to benchmarks/results/. The full run takes about seven and a half minutes on a
2-core machine (438 s in the published run) without precision.py, whose full run adds about 45
minutes (seven scenarios of 60 rounds); `--quick` is a smoke run of a few minutes that
leaves the published results alone.

    python benchmarks/run_all.py [--quick] [--only executor_timing,api_latency]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    # name: (full arguments, quick arguments)
    "cold_start": ([], ["--runs", "2"]),
    "executor_timing": ([], ["--quick"]),
    "api_latency": ([], ["--quick"]),
    "api_overhead": ([], ["--requests", "100"]),
    # Every fault and crash on the whole local stack, three runs each (~4 min; quick: one run).
    "chaos": (["--repeat", "3"], ["--repeat", "1"]),
    "aim_model": ([], ["--trials", "2000"]),
    "precision": ([], ["--quick"]),
    # A model: it reads the precision results to know which memory sizes meet the targets.
    "cost": ([], ["--precision", str(HERE / "results" / "precision_quick.json")]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of every benchmark")
    parser.add_argument(
        "--only", default=None, help=f"comma-separated subset of {list(BENCHMARKS)}"
    )
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    failed = []
    started = time.monotonic()
    for name in names:
        full, quick = BENCHMARKS[name]
        command = [sys.executable, "-u", str(HERE / f"{name}.py"), *(quick if args.quick else full)]
        print(f"\n=== {name}: {' '.join(command[2:])}", flush=True)
        began = time.monotonic()
        # A smoke run must not overwrite published results: the other scripts name their quick
        # results `*_quick.json`, cold_start.py (which has no quick mode) does not.
        published = HERE / "results" / f"{name}.json"
        kept = published.read_bytes() if args.quick and published.exists() else None
        try:
            if subprocess.run(command, cwd=HERE.parent, check=False).returncode != 0:
                failed.append(name)
        finally:
            if kept is not None:
                published.write_bytes(kept)
        print(f"=== {name}: {time.monotonic() - began:.0f} s", flush=True)
    print(f"\nall benchmarks: {time.monotonic() - started:.0f} s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
