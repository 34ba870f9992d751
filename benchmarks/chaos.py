"""Chaos: every fault and every crash the executor must survive, on the whole local stack, counted.

Each scenario snipes a simulator auction through the public API, as a user would, on the local
stack with AWS's timing (Lambda's retries after ~60 s and ~120 s, killable executor containers,
the wake queue), and then injects one thing:
- a kill of the executor's container (SIGKILL, no cleanup) at one of its steps, in the
  invocation that claimed the snipe;
- a fault on eBay's placeProxyBid for that auction (the simulator's fault rules);
- throttling and 5xx between the executor and AWS (the local stack's fault proxy).
What eBay (the simulator) shows, what the API records and what the mailbox holds are compared:

  landed    our maximum applied once, before the close (where a bid could land at all)
  lost      a bid that should have landed did not
  doubled   our maximum applied more than once
  emails    runs where the user got exactly one email
  true      runs whose recorded outcome and price are eBay's

Targets: 0 doubled, 0 wrong outcomes, 0 duplicate or missing emails, 0 lost where the primary
died at least 3 s before firing (every kill step here but `before_fire`, which is 1 s before).

    python benchmarks/chaos.py [--repeat 2] [--only kill,ebay,aws]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import print_table, write_result
from sniper.devstack.local.stack import LocalStack, StackOptions
from sniper.executor.steps import Step
from tests.fixtures.stack import make_api_user, sim_call
from tests.support.trust import Lot, Observation, emails_to, observe, set_snipe

CLOSES_IN_S = 25.0
OFFSET_S = 3.0
KILLS = (
    Step.CLAIMED, Step.WAITING, Step.BEFORE_FIRE, Step.SENT, Step.BEFORE_SETTLE_WRITE,
    Step.SETTLED,
)  # fmt: skip
# The primary died at least 3 s before firing: the standby must land the bid.
MUST_LAND = frozenset({Step.CLAIMED, Step.WAITING})
EBAY_FAULTS: dict[str, tuple[dict[str, Any], bool]] = {
    # name: (the simulator's fault rule, whether a bid can land)
    "delay past the client timeout": ({"delayMs": 3500, "apply": "after"}, True),
    "reset after apply": ({"drop": True, "apply": "after"}, True),
    "5xx after apply": ({"status": 500, "apply": "after"}, True),
    "429 with Retry-After": ({"status": 429, "retryAfterS": 1}, True),
    "failures until after the close": ({"status": 503, "count": 1000}, False),
}


@dataclass(frozen=True)
class Scenario:
    kind: str  # kill | ebay | aws
    at: str
    can_land: bool
    must_land: bool
    inject: Callable[[LocalStack, Lot], Awaitable[None]]


@dataclass
class Tally:
    runs: int = 0
    landed: int = 0
    lost: int = 0
    doubled: int = 0
    emails_ok: int = 0
    outcome_true: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, scenario: Scenario, seen: Observation) -> None:
        self.runs += 1
        self.landed += seen.landed and seen.after_close == 0
        self.lost += scenario.must_land and not seen.landed
        self.doubled += seen.doubled
        self.emails_ok += len(seen.emails) == 1
        self.outcome_true += seen.outcome_true


def _kill(step: Step) -> Callable[[LocalStack, Lot], Awaitable[None]]:
    async def inject(stack: LocalStack, lot: Lot) -> None:
        assert stack.functions is not None
        stack.functions.kill_at(step, bid_id=lot.bid_id, times=1)

    return inject


def _ebay(rule: dict[str, Any]) -> Callable[[LocalStack, Lot], Awaitable[None]]:
    async def inject(stack: LocalStack, lot: Lot) -> None:
        await sim_call(stack, "POST", "/sim/faults",
                       {"operation": "placeProxyBid", "itemId": lot.item_id, **rule})  # fmt: skip

    return inject


async def _aws(stack: LocalStack, lot: Lot) -> None:
    faults = stack.aws_faults
    assert faults is not None
    faults.add("dynamodb", "PutItem", error="ProvisionedThroughputExceededException", count=3)
    faults.add("dynamodb", "GetItem", status=500, count=2)
    faults.add("dynamodb", "PutItem", status=503, count=2, apply="after")
    faults.add("kms", "Decrypt", error="ThrottlingException", count=2)
    faults.add("lambda", "Invoke", status=429, error="TooManyRequestsException", count=1)
    faults.add("sqs", "SendMessage", status=500, count=1)


def scenarios(kinds: set[str]) -> list[Scenario]:
    found: list[Scenario] = []
    if "kill" in kinds:
        found += [
            Scenario("kill", step.value, True, step in MUST_LAND, _kill(step)) for step in KILLS
        ]
    if "ebay" in kinds:
        found += [
            Scenario("ebay", name, can_land, can_land, _ebay(rule))
            for name, (rule, can_land) in EBAY_FAULTS.items()
        ]
    if "aws" in kinds:
        found.append(Scenario("aws", "throttling and 5xx", True, True, _aws))
    return found


async def _one(stack: LocalStack, scenario: Scenario) -> Observation:
    user = await make_api_user(stack, name=f"Chaos {scenario.at}")
    try:
        lot = await set_snipe(stack, user, f"Chaos: {scenario.at}", closes_in_s=CLOSES_IN_S,
                              offset_s=OFFSET_S)  # fmt: skip
        await scenario.inject(stack, lot)
        await observe(stack, lot, within_s=CLOSES_IN_S + 90)
        # Past the standby's hand-over window: a missing email would be handed over by now, and
        # a duplicate one would have arrived.
        assert stack.postmark is not None
        deadline = time.monotonic() + 40
        while not emails_to(stack, lot.email) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        await asyncio.sleep(5)  # let a second email, if one were coming, arrive (it must not)
        return await observe(stack, lot, within_s=0)
    finally:
        await user.client.close()


async def run(repeat: int, kinds: set[str]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    options = StackOptions(api_port=0, stack_name=f"sniper-chaos-{secrets.token_hex(3)}",
                           aws_faults=True, demo_user=False)  # fmt: skip
    async with LocalStack(options) as stack:
        for round_ in range(1, repeat + 1):
            # AWS faults are global: that scenario runs on its own; the others side by side.
            waves = [[s for s in scenarios(kinds) if s.kind != "aws"],
                     [s for s in scenarios(kinds) if s.kind == "aws"]]  # fmt: skip
            for wave in waves:
                if not wave:
                    continue
                await stack.reset()
                print(f"round {round_}/{repeat}: {', '.join(s.at for s in wave)}", flush=True)
                results = await asyncio.gather(
                    *(_one(stack, s) for s in wave), return_exceptions=True
                )
                for scenario, result in zip(wave, results, strict=True):
                    tally = tallies.setdefault(f"{scenario.kind}: {scenario.at}", Tally())
                    if isinstance(result, BaseException):
                        tally.runs += 1
                        tally.errors.append(repr(result))
                    else:
                        tally.add(scenario, result)
    return tallies


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--only", default="kill,ebay,aws")
    args = parser.parse_args(argv)
    started = time.monotonic()
    tallies = asyncio.run(run(args.repeat, set(args.only.split(","))))
    rows = [
        [name, t.runs, t.landed, t.lost, t.doubled, t.emails_ok, t.outcome_true, len(t.errors)]
        for name, t in tallies.items()
    ]
    print_table(
        f"Chaos matrix ({args.repeat} run(s) each; {time.monotonic() - started:.0f} s)",
        ["scenario", "runs", "landed", "lost", "doubled", "1 email", "true", "errors"], rows,
    )  # fmt: skip
    totals = {
        "doubled": sum(t.doubled for t in tallies.values()),
        "wrong_outcomes": sum(t.runs - t.outcome_true for t in tallies.values()),
        "email_problems": sum(t.runs - t.emails_ok for t in tallies.values()),
        "lost_where_must_land": sum(t.lost for t in tallies.values()),
        "errors": sum(len(t.errors) for t in tallies.values()),
    }
    print("\ntargets (all 0):", ", ".join(f"{k} {v}" for k, v in totals.items()))
    write_result("chaos", {
        "repeat": args.repeat, "closes_in_s": CLOSES_IN_S, "offset_s": OFFSET_S,
        "scenarios": {name: vars(t) for name, t in tallies.items()}, "totals": totals,
    })  # fmt: skip
    return 0 if not any(totals.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
