"""What a settled snipe's timing report says, in seconds before the close; and the figures
`sniper stats` gives over many. Pure: API objects (dicts) in, numbers out."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

OUTCOMES = ("WON", "LOST", "SKIPPED", "FAILED", "CANCELLED")


def instant(text: str) -> datetime:
    """An API instant (ISO 8601, `Z`), to the microsecond."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def seconds(delta: timedelta) -> float:
    return delta / timedelta(microseconds=1) / 1e6


@dataclass(frozen=True)
class Mark:
    """One instant of a snipe's last seconds."""

    label: str
    at: datetime
    before_close: float  # seconds; negative once past the close
    note: str = ""


def landed(timing: Mapping[str, Any]) -> datetime | None:
    """When the bid reached eBay, as the executor reckons it: sent + the one-way latency it
    estimated and aimed with (None when nothing was sent)."""
    sent = timing.get("sent")
    if not sent:
        return None
    latency = timing.get("estimatedLatencyMs") or 0.0
    return instant(sent) + timedelta(milliseconds=float(latency))


def landed_before_close(timing: Mapping[str, Any]) -> float | None:
    arrival = landed(timing)
    if arrival is None:
        return None
    return seconds(instant(timing["auctionEnd"]) - arrival)


def marks(timing: Mapping[str, Any]) -> list[Mark]:
    """The timing report as a timeline, earliest first."""
    close = instant(timing["auctionEnd"])
    target = instant(timing["target"])
    found: list[Mark] = [
        Mark("target", target, seconds(close - target), "when the bid should reach eBay")
    ]
    latency = timing.get("estimatedLatencyMs")
    if timing.get("sent"):
        sent = instant(timing["sent"])
        attempts = int(timing.get("attempts") or 1)
        note = f"attempt {attempts}" if attempts > 1 else "first attempt"
        after = timing.get("sentAfterTargetMs")
        if after is not None:
            side = "after" if float(after) >= 0 else "before"
            note += f", {abs(float(after)):.3f} ms {side} the target"
        found.append(Mark("sent", sent, seconds(close - sent), note))
        arrival = landed(timing)
        if arrival is not None:
            how = (
                f"sent + estimated one-way latency {float(latency):.1f} ms"
                if latency is not None
                else "sent (no latency estimate)"
            )
            found.append(Mark("landed (est.)", arrival, seconds(close - arrival), how))
    if timing.get("answered"):
        answered = instant(timing["answered"])
        round_trip = timing.get("roundTripMs")
        note = f"eBay's answer; round trip {float(round_trip):.1f} ms" if round_trip else ""
        found.append(Mark("answered", answered, seconds(close - answered), note))
    found.append(Mark("close", close, 0.0, "the auction ends"))
    return sorted(found, key=lambda mark: mark.at)


def t_minus(before_close: float) -> str:
    """8.012 s before the close as T minus 8.012 s (with a real minus sign); after it, T+."""
    sign = "−" if before_close > 0 else "+" if before_close < 0 else " "
    if before_close == 0:
        return "T 0"
    return f"T{sign}{abs(before_close):.3f} s"


@dataclass
class Stats:
    counts: Counter[str] = field(default_factory=Counter)
    paid: dict[str, Decimal] = field(default_factory=dict)  # currency -> total of won prices
    landings: list[float] = field(default_factory=list)  # seconds before the close

    @property
    def settled(self) -> int:
        return sum(self.counts.values())

    @property
    def placed(self) -> int:
        return self.counts["WON"] + self.counts["LOST"]

    @property
    def win_rate(self) -> float | None:
        return self.counts["WON"] / self.placed if self.placed else None

    @property
    def median_landing(self) -> float | None:
        return statistics.median(self.landings) if self.landings else None

    @property
    def worst_landing(self) -> float | None:
        """The landing closest to the close (or furthest past it)."""
        return min(self.landings) if self.landings else None

    def as_json(self) -> dict[str, Any]:
        return {
            "settled": self.settled,
            "outcomes": {name: self.counts[name] for name in OUTCOMES},
            "winRate": self.win_rate,
            "paid": [{"value": str(v), "currency": c} for c, v in sorted(self.paid.items())],
            "landing": {
                "measured": len(self.landings),
                "medianSecondsBeforeClose": self.median_landing,
                "worstSecondsBeforeClose": self.worst_landing,
            },
        }


def stats(entries: Iterable[Mapping[str, Any]]) -> Stats:
    """Outcome counts, what was paid, and how far before the close bids landed."""
    result = Stats()
    for entry in entries:
        outcome = str(entry.get("outcome", ""))
        result.counts[outcome] += 1
        price = entry.get("finalPrice")
        if outcome == "WON" and price:
            currency = str(price["currency"])
            result.paid[currency] = result.paid.get(currency, Decimal(0)) + Decimal(price["value"])
        timing = entry.get("timing")
        if timing:
            lead = landed_before_close(timing)
            if lead is not None:
                result.landings.append(lead)
    return result
