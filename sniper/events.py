"""The asynchronous events between functions: contracts, changed deliberately (see tests/contract).

A tagged union of Structs (field `type`), decoded by one decoder built once and dispatched with
`match`. Money travels as `{"value": "17.50", "currency": "USD"}`, instants as epoch ms.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

T = TypeVar("T")


class Amount(msgspec.Struct, frozen=True):
    value: str
    currency: str


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", rename="camel"):
    pass


class SnipeDue(_Event, frozen=True, tag="snipe.due"):
    """EventBridge Scheduler -> bid executor. The scheduler fills in its context attributes."""

    user_id: str
    bid_id: str
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


class RefreshTokens(_Event, frozen=True, tag="tokens.refresh"):
    """The daily schedule -> token refresh."""


NotifierEvent = SnipeOutcome | LinkNeedsRenewal

executor_events = msgspec.json.Decoder(SnipeDue, strict=False)
notifier_events = msgspec.json.Decoder(NotifierEvent, strict=False)
encode = msgspec.json.Encoder().encode


def from_mapping(data: object, kind: type[T]) -> T:
    """Lambda hands the handler a parsed dict; convert it without a JSON round trip."""
    return msgspec.convert(data, type=kind, strict=False)
