"""Truthful outcomes under eBay faults, through the whole local stack.

Each scenario snipes a simulator auction through the public API (the executor and its standby
are woken at once, the snipe being inside the schedule lead), with one fault injected on that
auction's placeProxyBid. Afterwards the snipe, its history entry and the one email the user got
must say what the simulator's auction says, and the simulator must have seen no more attempts
than the executor's stated cap, none of them after the close.

The five scenarios run side by side: real time is what they are about, and waiting for five
closes one after another would cost a minute for nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from sniper.devstack.local.stack import LocalStack
from sniper.executor.fire import MAX_ATTEMPTS
from tests.fixtures.stack import ApiUser, ApiUserFactory, sim_call
from tests.support.trust import Lot, final_status, observe, set_snipe

CLOSES_IN_S = 25.0
OFFSET_S = 3.0


@dataclass(frozen=True)
class Fault:
    name: str
    rule: dict[str, Any]
    outcome: str  # what eBay's record makes of it
    reason: str | None = None
    landed: int | None = None  # which attempt the timing report says landed


FAULTS = (
    # eBay applies the bid, then answers later than the client waits (3 s): with 3 s left, no
    # retry can follow; the settle must read eBay's record (a win) rather than guess a failure.
    Fault("delay past the client timeout", {"delayMs": 3500, "apply": "after"}, "WON", landed=1),
    # The connection drops after eBay applied the bid: the retry is told "cannot lower".
    Fault("reset after apply", {"drop": True, "apply": "after"}, "WON", landed=1),
    Fault("5xx after apply", {"status": 500, "apply": "after"}, "WON", landed=1),
    # Throttled (nothing applied), told to come back in a second: there is time, so it does.
    Fault("429 with Retry-After", {"status": 429, "retryAfterS": 1}, "WON", landed=2),
    # eBay is down past the close: three polite attempts, none after the close, and the truth.
    Fault("failures until after the close", {"status": 503, "count": 1000}, "FAILED",
          "EBAY_UNAVAILABLE"),
)  # fmt: skip


async def _snipe_with_fault(stack: LocalStack, user: ApiUser, fault: Fault) -> Lot:
    lot = await set_snipe(
        stack, user, f"Lot: {fault.name}", closes_in_s=CLOSES_IN_S, offset_s=OFFSET_S
    )
    rule = {"operation": "placeProxyBid", "itemId": lot.item_id, **fault.rule}
    await sim_call(stack, "POST", "/sim/faults", rule)
    await final_status(lot, within_s=CLOSES_IN_S + 75)
    return lot


@pytest.mark.slow
async def test_each_fault_on_the_bid_ends_in_ebays_truth_and_one_email(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    users = [await api_user(name=f"Faulty {i}") for i in range(len(FAULTS))]
    lots = await asyncio.gather(
        *(_snipe_with_fault(clean_stack, u, f) for u, f in zip(users, FAULTS, strict=True))
    )
    assert clean_stack.postmark is not None
    await clean_stack.postmark.wait_for(len(FAULTS), timeout_s=30)
    # Observed once every email had its time: a second one would show.
    for lot, fault in zip(lots, FAULTS, strict=True):
        seen = await observe(clean_stack, lot, within_s=0)
        assert 1 <= seen.attempts <= MAX_ATTEMPTS, (fault.name, seen)
        assert seen.after_close == 0 and not seen.doubled, (fault.name, seen)
        assert seen.outcome_true, (fault.name, seen)
        assert seen.status == fault.outcome, (fault.name, seen)
        if fault.reason is not None:
            assert seen.reason == fault.reason, (fault.name, seen)
        assert seen.timing is not None
        assert seen.timing["attempts"] == seen.attempts == len(seen.timing["tries"]), fault.name
        assert seen.timing["landedAttempt"] == fault.landed, (fault.name, seen.timing)
        assert len(seen.emails) == 1, (fault.name, [m["Subject"] for m in seen.emails])
        assert seen.emails[0]["Tag"] == seen.status.lower(), fault.name
