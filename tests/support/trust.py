"""One snipe through a running local stack, and what became of it, as eBay and the user saw it.

Shared by the trust tests (tests/e2e/test_trust_*.py), which assert on an `Observation`, and by
benchmarks/chaos.py, which tabulates many of them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from sniper.devstack.local.stack import LocalStack
from tests.fixtures.stack import ApiUser, link_ebay, sim_call

TERMINAL = frozenset({"WON", "LOST", "FAILED", "SKIPPED", "CANCELLED"})
RIVAL_MAX = "15.00"
OUR_MAX = "25.00"


@dataclass(frozen=True)
class Lot:
    """A snipe set through the API on a simulator auction with one rival."""

    user: ApiUser
    ebay_username: str
    bid_id: str
    item_id: str

    @property
    def email(self) -> str:
        return f"{self.user.username}@example.com"


@dataclass(frozen=True)
class Observation:
    status: str
    reason: str | None
    applied: int  # maxima of ours eBay applied (one: landed; more: doubled)
    attempts: int  # placeProxyBid requests of ours eBay saw
    after_close: int  # of which arrived after the close
    winner_is_us: bool
    price: str  # eBay's final price
    recorded_price: str | None
    timing: dict[str, Any] | None
    emails: list[dict[str, Any]]

    @property
    def landed(self) -> bool:
        return self.applied == 1

    @property
    def doubled(self) -> bool:
        return self.applied > 1

    @property
    def outcome_true(self) -> bool:
        """The recorded outcome (and price) is eBay's: won, outbid, or failed with no bid."""
        if self.winner_is_us:
            return self.status == "WON" and self.recorded_price == self.price
        if self.applied:
            return self.status == "LOST" and self.recorded_price == self.price
        return self.status in ("FAILED", "SKIPPED")


async def set_snipe(
    stack: LocalStack, user: ApiUser, title: str, *, closes_in_s: float, offset_s: float
) -> Lot:
    """Link `user`, make an auction with a rival at RIVAL_MAX, snipe it at OUR_MAX."""
    ebay_username = await link_ebay(stack, user)
    auction = await sim_call(
        stack, "POST", "/sim/auctions",
        {"title": title, "startPrice": "10.00", "endsInSeconds": closes_in_s},
    )  # fmt: skip
    rival = f"rival_{ebay_username}"
    await sim_call(stack, "POST", "/sim/users", {"username": rival})
    await sim_call(
        stack, "POST", f"/sim/auctions/{auction['itemId']}/bids",
        {"bidder": rival, "maxAmount": RIVAL_MAX},
    )  # fmt: skip
    body = {
        "itemId": auction["itemId"],
        "maxBid": {"value": OUR_MAX, "currency": "USD"},
        "offsetSeconds": offset_s,
    }
    async with user.client.post("/bids", json=body) as response:
        created = await response.json()
        assert response.status == 201, created
    return Lot(user, ebay_username, created["bidId"], auction["itemId"])


async def final_status(lot: Lot, *, within_s: float) -> dict[str, Any]:
    """The snipe once it is final, polling the API as a client would (bounded)."""
    deadline = time.monotonic() + within_s
    while True:
        async with lot.user.client.get(f"/bids/{lot.bid_id}") as response:
            bid: dict[str, Any] = await response.json()
        if bid["status"] in TERMINAL:
            return bid
        if time.monotonic() > deadline:
            raise TimeoutError(f"{lot.bid_id} still {bid['status']} after {within_s} s")
        await asyncio.sleep(0.5)


def emails_to(stack: LocalStack, address: str) -> list[dict[str, Any]]:
    assert stack.postmark is not None
    return [m for m in stack.postmark.messages() if m["To"] == address]


async def observe(stack: LocalStack, lot: Lot, *, within_s: float) -> Observation:
    """What eBay (the simulator), the API and the mailbox say about `lot`, once it is final."""
    bid = await final_status(lot, within_s=within_s)
    truth = await sim_call(stack, "GET", f"/sim/auctions/{lot.item_id}")
    log = await sim_call(stack, "GET", f"/sim/bids?itemId={lot.item_id}")
    ours = [b for b in log["bids"] if b["bidder"] == lot.ebay_username and b["source"] == "api"]
    async with lot.user.client.get(f"/bid-history/{lot.bid_id}") as response:
        entry = await response.json() if response.status == 200 else {}
    final_price = entry.get("finalPrice")
    return Observation(
        status=bid["status"],
        reason=bid.get("reason"),
        applied=sum(1 for b in ours if b["applied"]),
        attempts=len(ours),
        after_close=sum(1 for b in ours if b["arrivedNs"] >= truth["endNs"]),
        winner_is_us=truth["winner"] == lot.ebay_username,
        price=truth["price"],
        recorded_price=final_price["value"] if final_price else None,
        timing=entry.get("timing"),
        emails=emails_to(stack, lot.email),
    )
