"""The asynchronous events between functions: contracts, changed deliberately.

Structs tagged by their `type` field (tests/unit/test_events.py holds their wire shapes). Money
travels as `{"value": "17.50", "currency": "USD"}`, instants as epoch ms.
"""

from __future__ import annotations

from typing import Literal, TypeVar

import msgspec

T = TypeVar("T")


class Amount(msgspec.Struct, frozen=True):
    value: str
    currency: str


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", rename="camel"):
    pass


Role = Literal["primary", "standby"]


class SnipeDue(_Event, frozen=True, tag="snipe.due"):
    """EventBridge Scheduler (or the wake queue, or bid management) -> bid executor.

    `role`: which of the snipe's two triggers this is ("primary" or "standby"): they wake at
    slightly different instants (sniper/domain/instants.py). The scheduler fills in its context
    attributes; they are empty when the event was dispatched directly or relayed."""

    user_id: str
    bid_id: str
    role: Role = "primary"
    # `<aws.scheduler.execution-id>` etc. in the schedule's Input; empty when dispatched directly.
    execution_id: str = ""
    scheduled_time: str = ""
    attempt_number: int = 0


class SnipeOutcome(_Event, frozen=True, tag="snipe.outcome"):
    """Bid executor -> notification handler: one per outcome (placed, won, lost, skipped, failed)."""

    user_id: str
    bid_id: str
    outcome: str  # PLACED | WON | LOST | SKIPPED | FAILED
    item_id: str
    title: str
    max_bid: Amount
    auction_end_ms: int
    final_price: Amount | None = None
    reason: str | None = None
    item_web_url: str | None = None
    # Timing, for the email: when the bid was aimed at and when eBay answered (epoch ns).
    target_ns: int | None = None
    sent_ns: int | None = None
    answered_ns: int | None = None


class LinkNeedsRenewal(_Event, frozen=True, tag="link.renewal"):
    """Token refresh / executor -> notification handler: the user must link eBay again."""

    user_id: str
    ebay_username: str
    reason: str  # "expiring" | "broken"
    refresh_expires_ms: int | None = None
    affected_bid_ids: tuple[str, ...] = ()


NotifierEvent = SnipeOutcome | LinkNeedsRenewal

encode = msgspec.json.Encoder().encode


def from_mapping(data: object, kind: type[T]) -> T:
    """Lambda hands the handler a parsed dict; convert it without a JSON round trip."""
    return msgspec.convert(data, type=kind, strict=False)
