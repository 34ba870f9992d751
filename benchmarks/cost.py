"""What one snipe costs on AWS, by executor memory size and schedule lead, the standby included.

A model, not a measurement (`_cost_model.py` says what it counts and the prices it uses): each
configuration's Lambda GB-seconds (the relays of the early invocations; the primary's run from
its wake to the settle; the standby's watch; the notifier; the create request) and its requests
(Lambda, Scheduler, SQS, DynamoDB units, KMS, Secrets Manager, X-Ray, logs). Which memory sizes
meet the precision targets is read from precision.py's latest results (the 0.58 vCPU target:
|error| p99 at most twice the 1 vCPU figure, applied to every size); the cheapest configuration
that meets them is named. Rows "waits in Lambda" show what the snipe cost before the wake queue;
the last table, a Step Functions wake-up, for comparison.

    python benchmarks/cost.py [--memories 512,1024,1769] [--leads 90,120] [--no-standby]
        [--standby-wake 60] [--heartbeat-every 1] [--heartbeat-window 30] [--offset 3]
        [--precision benchmarks/results/precision.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import RESULTS, print_table, write_result
from benchmarks._cost_model import PRICES_AS_OF, Config, Prices, Standby, Usage, cheapest, cost

TARGET_DOLLARS = 0.001
# The precision scenario that measures each memory size's executor (same 20 ms network).
PRECISION_SCENARIO = {512: "cpu512", 1024: "cpu1024", 1769: "net20"}


def precision_verdicts(path: Path) -> tuple[dict[int, bool | None], str]:
    """Per memory size: does its |error| p99 stay within twice the 1 vCPU figure?"""
    if not path.exists():
        return {}, f"{path.name} not found: run precision.py first"
    scenarios = json.loads(path.read_text()).get("scenarios", {})

    def abs_p99(name: str) -> float | None:
        client = scenarios.get(name, {}).get("clients", {}).get("executor (real)", {})
        value = client.get("abs_p99")
        return float(value) if value is not None else None

    reference = abs_p99(PRECISION_SCENARIO[1769])
    verdicts: dict[int, bool | None] = {}
    for memory, scenario in PRECISION_SCENARIO.items():
        ours = abs_p99(scenario)
        if ours is None or reference is None:
            verdicts[memory] = None
        else:
            verdicts[memory] = ours <= 2 * reference
    return verdicts, str(path)


def row(config: Config, usage: Usage, meets: bool | None) -> list[Any]:
    bill = cost(config, usage)
    duration = bill.dollars["lambda duration"]
    return [
        config.label(), bill.gb_s.get("primary", 0.0), bill.gb_s.get("standby", 0.0),
        f"{duration * 1e6:.0f}", f"{(bill.total - duration) * 1e6:.0f}",
        f"{bill.total * 1e6:.0f}", f"{bill.total / TARGET_DOLLARS:.2f}x",
        "unknown" if meets is None else ("met" if meets else "MISSED"),
    ]  # fmt: skip


HEADERS = [
    "configuration", "primary GB-s", "standby GB-s", "duration µ$", "other µ$",
    "total µ$", "vs $0.001", "precision",
]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", default="512,1024,1769")
    parser.add_argument("--leads", default="90,120", help="ScheduleLeadSeconds values")
    parser.add_argument("--no-standby", action="store_true")
    parser.add_argument("--standby-wake", type=float, default=60.0, help="W: s before close")
    parser.add_argument("--heartbeat-every", type=float, default=0.5, help="H, s")
    parser.add_argument("--heartbeat-window", type=float, default=12.0, help="N, s")
    parser.add_argument("--offset", type=float, default=3.0, help="the user's offset, s")
    parser.add_argument("--precision", type=Path, default=RESULTS / "precision.json")
    args = parser.parse_args(argv)
    memories = [int(m) for m in args.memories.split(",")]
    leads = [float(lead) for lead in args.leads.split(",")]
    standby = None if args.no_standby else Standby(
        args.standby_wake, args.heartbeat_every, args.heartbeat_window
    )  # fmt: skip
    usage = Usage(offset_s=args.offset)
    meets, source = precision_verdicts(args.precision)

    configs = [Config(m, lead, standby) for m in memories for lead in leads]
    rows = [row(c, usage, meets.get(c.memory_mb)) for c in configs]
    if standby is not None:  # what the standby adds, at the smallest lead
        rows += [row(Config(m, min(leads), None), usage, meets.get(m)) for m in memories]
    # What the wake queue saves: the same snipe waiting in Lambda for the scheduler's grid.
    waiting = [Config(m, lead, standby, wake="scheduler") for m in memories for lead in leads]
    rows += [row(c, usage, meets.get(c.memory_mb)) for c in waiting]
    print(f"Prices: us-east-1, arm64, list prices as of {PRICES_AS_OF}; precision from {source}")
    print_table("Cost per snipe (µ$ = millionths of a dollar; target $0.001 = 1000 µ$)",
                HEADERS, rows)  # fmt: skip

    best = cheapest(configs, meets, usage)
    cheapest_any = min(configs, key=lambda c: cost(c, usage).total)
    chosen = best or cheapest_any
    bill = cost(chosen, usage)
    print_table(
        f"Line items: {chosen.label()}", ["line", "quantity", "µ$"],
        [[line, _quantity(line, bill), f"{d * 1e6:.1f}"] for line, d in bill.dollars.items()],
    )  # fmt: skip
    precise = [
        Config(m, min(leads), Standby(10.0, args.heartbeat_every, 10.0), wake="precise")
        for m in memories
    ]
    print_table(
        "For comparison: a Step Functions Wait state landing the executor 15 s before the close "
        "(standby 10 s)", HEADERS, [row(c, usage, meets.get(c.memory_mb)) for c in precise],
    )  # fmt: skip
    if best is None:
        print(f"\nno configuration is known to meet the precision targets ({source}); "
              f"cheapest regardless: {cheapest_any.label()}")  # fmt: skip
    else:
        print(f"\ncheapest that meets the precision targets: {best.label()}, "
              f"${cost(best, usage).total:.6f} per snipe")  # fmt: skip
    data = {
        "prices_as_of": PRICES_AS_OF, "prices": asdict(Prices()), "usage": asdict(usage),
        "standby": asdict(standby) if standby else None, "precision_source": source,
        "precision_meets": {str(k): v for k, v in meets.items()},
        "target_dollars": TARGET_DOLLARS,
        "configurations": [
            {"label": c.label(), "memory_mb": c.memory_mb, "lead_s": c.lead_s, "wake": c.wake,
             "standby": c.standby is not None, "total": cost(c, usage).total,
             "gb_s": cost(c, usage).gb_s, "dollars": cost(c, usage).dollars,
             "requests": cost(c, usage).requests}
            for c in [*configs, *waiting, *precise]
        ],
        "cheapest_meeting_targets": best.label() if best else None,
    }  # fmt: skip
    write_result("cost", data)
    return data


def _quantity(line: str, bill: Any) -> str:
    requests = bill.requests
    match line:
        case "lambda duration":
            return f"{sum(bill.gb_s.values()):.1f} GB-s"
        case "lambda requests" | "x-ray" | "logs":
            return f"{requests['lambda']:.2f} invocations"
        case "scheduler":
            return f"{requests['scheduler']:.0f} invocations"
        case "dynamodb":
            return f"{requests['dynamodb_wru']:.0f} WRU, {requests['dynamodb_rru']:.0f} RRU"
        case "kms":
            return f"{requests['kms']:.0f} decrypts"
        case "secrets manager":
            return f"{requests['secrets']:.2f} reads"
        case "step functions":
            return f"{requests['step_transitions']} transitions"
        case "sqs":
            return f"{requests['sqs']:.0f} requests"
        case _:
            return "1"


if __name__ == "__main__":
    main()
