"""Crash injection for process containers: where the bid executor is, and where to kill it.

A process container of the bid executor reports each named step (`sniper.executor.steps.Step`)
to the local runtime and waits for a go-ahead. A `KillPlan` naming that step (for one snipe, or
any) makes the runtime SIGKILL the container instead: the kill lands exactly at the step, and
nothing in the dying process runs after it (no finally block, no lease release, no heartbeat).

    functions.kill_at(Step.SENT, bid_id=snipe.bid_id)        # once, the next time it is reached
    await functions.reached(Step.WAITING, bid_id=snipe.bid_id)
    functions.kill_now("BidExecutorFunction", bid_id=snipe.bid_id)   # wherever it is now
    kill = await functions.killed(bid_id=snipe.bid_id)

What was reached and what was killed, and when, are kept in `steps` and `kills`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sniper.devstack.local.journal import Journal
from sniper.executor.steps import Step

EXECUTOR = "BidExecutorFunction"


@dataclass
class KillPlan:
    """Kill `function`'s container when it reaches `step` (for `bid_id`, or any snipe when None),
    `times` times (None: every time)."""

    function: str
    step: Step
    bid_id: str | None = None
    times: int | None = 1
    used: int = 0

    def __post_init__(self) -> None:
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 (or None: every time)")

    @property
    def live(self) -> bool:
        return self.times is None or self.used < self.times

    def matches(self, function: str, step: Step, bid_id: str | None) -> bool:
        return (
            self.live
            and self.function == function
            and self.step is step
            and (self.bid_id is None or self.bid_id == bid_id)
        )


@dataclass(frozen=True)
class StepReached:
    """A container reported a step of the executor (before the runtime decided its fate)."""

    function: str
    container: str
    request_id: str
    step: Step
    bid_id: str
    user_id: str
    status: str
    at_ns: int = field(default_factory=time.time_ns)


@dataclass(frozen=True)
class Kill:
    """A container the runtime SIGKILLed: at a step (a plan's), or wherever it was (`kill_now`)."""

    function: str
    container: str
    pid: int
    request_id: str | None
    bid_id: str | None
    step: Step | None
    at_ns: int = field(default_factory=time.time_ns)


class CrashPlans:
    """The kill plans in force, and the record of steps reached and containers killed."""

    def __init__(self) -> None:
        self.plans: list[KillPlan] = []
        self.steps: Journal[StepReached] = Journal("steps reached")
        self.kills: Journal[Kill] = Journal("containers killed")

    def add(self, plan: KillPlan) -> KillPlan:
        self.plans.append(plan)
        return plan

    def take(self, reached: StepReached) -> KillPlan | None:
        """The plan that kills at this step, if any, counting this kill against it."""
        for plan in self.plans:
            if plan.matches(reached.function, reached.step, reached.bid_id):
                plan.used += 1
                return plan
        return None

    def clear(self) -> None:
        """Forget the plans and the record (between tests)."""
        self.plans.clear()
        self.steps.clear()
        self.kills.clear()
