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
import time
from dataclasses import dataclass
from typing import Any

import pytest

from sniper.executor.fire import MAX_ATTEMPTS
from sniper.local.stack import LocalStack
from tests.e2e.test_routes import _json, _sim, link_ebay
from tests.fixtures.stack import ApiUser, ApiUserFactory

CLOSES_IN_S = 25.0
OFFSET_S = 3.0
RIVAL_MAX = "15.00"
OUR_MAX = "25.00"
TERMINAL = {"WON", "LOST", "FAILED", "SKIPPED", "CANCELLED"}


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
    Fault("delay past the client timeout", {"delayMs": 3500, "status": 200, "apply": "after"},
          "WON", landed=1),
    # The connection drops after eBay applied the bid: the retry is told "cannot lower".
    Fault("reset after apply", {"drop": True, "apply": "after"}, "WON", landed=1),
    Fault("5xx after apply", {"status": 500, "apply": "after"}, "WON", landed=1),
    # Throttled (nothing applied), told to come back in a second: there is time, so it does.
    Fault("429 with Retry-After", {"status": 429, "retryAfterS": 1}, "WON", landed=2),
    # eBay is down past the close: three polite attempts, none after the close, and the truth.
    Fault("failures until after the close", {"status": 503, "count": 1000}, "FAILED",
          "EBAY_UNAVAILABLE"),
)  # fmt: skip


async def _snipe_with_fault(
    stack: LocalStack, user: ApiUser, fault: Fault
) -> tuple[dict[str, Any], dict[str, Any], str]:
    ebay_username, _ = await link_ebay(stack, user)
    auction = await _sim(
        stack, "POST", "/sim/auctions",
        {"title": f"Lot: {fault.name}", "startPrice": "10.00", "endsInSeconds": CLOSES_IN_S},
    )  # fmt: skip
    item_id = auction["itemId"]
    await _sim(stack, "POST", "/sim/users", {"username": f"rival_{ebay_username}"})
    await _sim(
        stack, "POST", f"/sim/auctions/{item_id}/bids",
        {"bidder": f"rival_{ebay_username}", "maxAmount": RIVAL_MAX},
    )  # fmt: skip
    rule = {"operation": "placeProxyBid", "itemId": item_id, **fault.rule}
    if rule.get("status") == 200:
        rule.pop("status")  # a delay alone: the answer itself is eBay's own
    await _sim(stack, "POST", "/sim/faults", rule)
    body = {
        "itemId": item_id,
        "maxBid": {"value": OUR_MAX, "currency": "USD"},
        "offsetSeconds": OFFSET_S,
    }
    async with user.client.post("/bids", json=body) as response:
        created = await _json(response, 201)
    deadline = time.monotonic() + CLOSES_IN_S + 75
    while True:
        async with user.client.get(f"/bids/{created['bidId']}") as response:
            snipe = await _json(response, 200)
        if snipe["status"] in TERMINAL:
            break
        assert time.monotonic() < deadline, f"{fault.name}: still {snipe['status']}"
        await asyncio.sleep(0.5)  # polling the API as a client would; bounded above
    async with user.client.get(f"/bid-history/{created['bidId']}") as response:
        entry = await _json(response, 200)
    return snipe, entry, ebay_username


async def _emails_to(stack: LocalStack, address: str, at_least: int) -> list[dict[str, Any]]:
    """The emails kept for `address`, once there are `at_least` (or after a bounded wait)."""
    assert stack.postmark is not None
    deadline = time.monotonic() + 20
    while True:
        mine = [m for m in stack.postmark.messages() if m["To"] == address]
        if len(mine) >= at_least or time.monotonic() > deadline:
            return mine
        await asyncio.sleep(0.2)


@pytest.mark.slow
async def test_each_fault_on_the_bid_ends_in_ebays_truth_and_one_email(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    users = [await api_user(name=f"Faulty {i}") for i in range(len(FAULTS))]
    results = await asyncio.gather(
        *(
            _snipe_with_fault(clean_stack, user, fault)
            for user, fault in zip(users, FAULTS, strict=True)
        )
    )
    for user, fault, (snipe, entry, ebay_username) in zip(users, FAULTS, results, strict=True):
        truth = await _sim(clean_stack, "GET", f"/sim/auctions/{snipe['itemId']}")
        bids = await _sim(clean_stack, "GET", f"/sim/bids?itemId={snipe['itemId']}")
        ours = [b for b in bids["bids"] if b["bidder"] == ebay_username and b["source"] == "api"]
        close_ns = truth["endNs"]
        assert 1 <= len(ours) <= MAX_ATTEMPTS, (fault.name, ours)
        assert all(b["arrivedNs"] < close_ns for b in ours), fault.name
        applied = [b for b in ours if b["applied"]]
        assert len(applied) <= 1, fault.name  # never a second maximum
        won = truth["winner"] == ebay_username
        assert snipe["status"] == ("WON" if won else ("FAILED" if not applied else "LOST")), (
            fault.name,
            snipe,
            truth,
        )
        assert snipe["status"] == fault.outcome, fault.name
        if fault.reason is not None:
            assert snipe["reason"] == fault.reason
        assert entry["outcome"] == snipe["status"]
        if won:
            assert entry["finalPrice"]["value"] == truth["price"], (fault.name, entry, truth)
        timing = entry["timing"]
        assert timing["attempts"] == len(ours) == len(timing["tries"]), (fault.name, timing)
        assert timing["landedAttempt"] == fault.landed, (fault.name, timing)
        mail = await _emails_to(clean_stack, f"{user.username}@example.com", 1)
        assert len(mail) == 1, (fault.name, [m["Subject"] for m in mail])
        assert mail[0]["Tag"] == snipe["status"].lower(), (fault.name, mail[0]["Tag"])
