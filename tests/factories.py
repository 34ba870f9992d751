"""Small builders for domain objects, with sensible defaults a test overrides by keyword."""

from __future__ import annotations

import time
from typing import Any

from sniper.domain.history import HistoryEntry
from sniper.domain.ids import new_id
from sniper.domain.money import Money
from sniper.domain.snipe import Snipe, SnipeStatus
from sniper.domain.timing_report import TimingReport
from sniper.domain.user import User


def now_ms() -> int:
    return int(time.time() * 1000)


def make_user(**overrides: Any) -> User:
    user_id = overrides.pop("user_id", f"user-{new_id()}")
    fields: dict[str, Any] = {
        "user_id": user_id,
        "email": f"{user_id}@example.com",
        "name": "Test User",
        "created_ms": now_ms(),
        "updated_ms": now_ms(),
    }
    fields.update(overrides)
    return User(**fields)


def make_snipe(**overrides: Any) -> Snipe:
    legacy = overrides.pop("legacy_item_id", str(100000000000 + int(new_id()[-6:], 36) % 10**9))
    fields: dict[str, Any] = {
        "user_id": "user-1",
        "bid_id": new_id(),
        "item_id": f"v1|{legacy}|0",
        "legacy_item_id": legacy,
        "marketplace_id": "EBAY_US",
        "title": "Vintage camera",
        "max_bid": Money.parse("25.00", "USD"),
        "offset_seconds": 3.0,
        "auction_end_ms": now_ms() + 3_600_000,
        "created_ms": now_ms(),
        "updated_ms": now_ms(),
    }
    fields.update(overrides)
    return Snipe(**fields)


def make_history(snipe: Snipe, **overrides: Any) -> HistoryEntry:
    fields: dict[str, Any] = {
        "user_id": snipe.user_id,
        "bid_id": snipe.bid_id,
        "item_id": snipe.item_id,
        "title": snipe.title,
        "marketplace_id": snipe.marketplace_id,
        "max_bid": snipe.max_bid,
        "outcome": SnipeStatus.WON,
        "auction_end_ms": snipe.auction_end_ms,
        "settled_ms": snipe.auction_end_ms + 2000,
        "final_price": Money.parse("21.00", snipe.max_bid.currency),
        "timing": TimingReport(
            auction_end_ns=snipe.auction_end_ms * 10**6,
            target_ns=snipe.fire_at_ms * 10**6,
            sent_ns=snipe.fire_at_ms * 10**6 - 400_000,
            answered_ns=snipe.fire_at_ms * 10**6 + 900_000,
            estimated_latency_ns=400_000,
            attempts=1,
        ),
    }
    fields.update(overrides)
    return HistoryEntry(**fields)
