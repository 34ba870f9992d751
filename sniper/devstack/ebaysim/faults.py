"""Fault injection: rules that make the next matching requests fail, stall or drop.

A rule matches an operation name (the contract's operationId, or "token", "authorize",
"GetMyeBayBuying", "getUser", "getPublicKey", or "*") and is used up after `count` requests
or at `until`, whichever comes first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

OPERATIONS = frozenset(
    {
        "*",
        "authorize",
        "token",
        "getItem",
        "getItemByLegacyId",
        "getBidding",
        "placeProxyBid",
        "getUser",
        "GetMyeBayBuying",
        "getPublicKey",
    }
)


@dataclass
class FaultRule:
    operation: str
    status: int | None = None
    delay_ms: int = 0
    drop: bool = False
    # "before": the request never reaches eBay's logic; "after": it does (a bid is placed) and
    # only the answer is lost or replaced, which is what makes retries dangerous.
    apply: Literal["before", "after"] = "before"
    remaining: int | None = 1
    until_ns: int | None = None
    # With a 429 or 503: the Retry-After header (seconds) the answer carries.
    retry_after_s: int | None = None
    # Only requests about this item (its id in the path, RESTful or legacy): side-by-side tests.
    item_id: str | None = None

    def live(self, now_ns: int) -> bool:
        if self.until_ns is not None and now_ns >= self.until_ns:
            return False
        return self.remaining is None or self.remaining > 0


@dataclass
class Faults:
    rules: list[FaultRule] = field(default_factory=list)

    def add(self, rule: FaultRule) -> None:
        self.rules.append(rule)

    def clear(self) -> None:
        self.rules.clear()

    def take(self, operation: str, now_ns: int, item_id: str | None = None) -> FaultRule | None:
        """The first live rule for this operation (and item), counting this request against it."""
        self.rules = [rule for rule in self.rules if rule.live(now_ns)]
        for rule in self.rules:
            if rule.item_id is not None and rule.item_id != item_id:
                continue
            if rule.operation in (operation, "*"):
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule
        return None
