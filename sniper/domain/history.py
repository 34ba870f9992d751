"""What happened to a snipe, kept after it settles, with how precisely it was fired."""

from __future__ import annotations

import msgspec

from sniper.domain.money import Money
from sniper.domain.snipe import SnipeStatus


class TimingReport(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Epoch nanoseconds for each instant; the latency is the one-way estimate used to aim."""

    auction_end_ns: int
    target_ns: int  # when the bid should reach eBay: close - offset
    sent_ns: int | None = None  # when the last byte left us
    answered_ns: int | None = None  # when eBay's answer arrived
    estimated_latency_ns: int | None = None
    attempts: int = 0

    @property
    def round_trip_ns(self) -> int | None:
        if self.sent_ns is None or self.answered_ns is None:
            return None
        return self.answered_ns - self.sent_ns

    @property
    def landed_ns(self) -> int | None:
        """When the bid reached eBay, as well as we can tell: between sending and the answer."""
        if self.sent_ns is None or self.answered_ns is None:
            return None
        return (self.sent_ns + self.answered_ns) // 2


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    user_id: str
    bid_id: str  # one entry per snipe: the history id is the snipe's id
    item_id: str
    title: str
    marketplace_id: str
    max_bid: Money
    outcome: SnipeStatus
    auction_end_ms: int
    settled_ms: int
    final_price: Money | None = None
    reason: str | None = None
    timing: TimingReport | None = None
    group_id: str | None = None
