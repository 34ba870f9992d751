"""What happened to a snipe, kept after it settles, with how precisely it was fired."""

from __future__ import annotations

import msgspec

from sniper.domain.money import Money
from sniper.domain.snipe import SnipeStatus
from sniper.domain.timing_report import TimingReport


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
    # When the outcome's email was handed to Postmark (the notifier writes it once).
    emailed_ms: int | None = None
