"""A timing report read as a timeline in seconds before the close, and `stats` over many."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sniper.cli.timing import landed_before_close, marks, stats, t_minus

CLOSE = datetime(2025, 3, 10, 12, 0, 0, tzinfo=UTC)
TIMING = {
    "auctionEnd": "2025-03-10T12:00:00.000000Z",
    "target": "2025-03-10T11:59:58.000000Z",
    "sent": "2025-03-10T11:59:57.980000Z",
    "answered": "2025-03-10T11:59:58.030000Z",
    "estimatedLatencyMs": 25.0,
    "roundTripMs": 50.0,
    "sentAfterTargetMs": -20.0,
    "attempts": 1,
}


def test_the_timeline_runs_from_the_target_to_the_close() -> None:
    found = marks(TIMING)
    assert [(m.label, round(m.before_close, 3)) for m in found] == [
        ("sent", 2.02),
        ("target", 2.0),
        ("landed (est.)", 1.995),
        ("answered", 1.97),
        ("close", 0.0),
    ]
    assert "20.000 ms before the target" in found[0].note
    assert "round trip 50.0 ms" in found[3].note


def test_the_landing_is_sent_plus_the_estimated_latency() -> None:
    assert landed_before_close(TIMING) == pytest.approx(1.995)
    assert landed_before_close({**TIMING, "sent": None}) is None


@pytest.mark.parametrize(
    ("seconds", "written"), [(2.0, "T−2.000 s"), (0.0125, "T−0.013 s"), (-0.12, "T+0.120 s")]
)
def test_t_minus(seconds: float, written: str) -> None:
    assert t_minus(seconds) == written
    assert t_minus(0.0) == "T 0"


def _entry(outcome: str, price: str | None = None, lead_ms: float | None = None) -> dict:
    """A history entry whose bid was sent `lead_ms` before the close (no latency)."""
    timing = None
    if lead_ms is not None:
        sent = CLOSE - timedelta(milliseconds=lead_ms)
        timing = {**TIMING, "sent": sent.isoformat().replace("+00:00", "Z"),
                  "estimatedLatencyMs": 0.0}  # fmt: skip
    return {
        "outcome": outcome,
        "finalPrice": {"value": price, "currency": "GBP"} if price else None,
        "timing": timing,
    }


def test_stats_count_outcomes_sum_wins_and_take_median_and_worst_landing() -> None:
    figures = stats(
        [
            _entry("WON", "10.00", lead_ms=2000),
            _entry("WON", "2.50", lead_ms=1500),
            _entry("LOST", "40.00", lead_ms=500),
            _entry("SKIPPED"),
            _entry("FAILED"),
        ]
    )
    assert dict(figures.counts) == {"WON": 2, "LOST": 1, "SKIPPED": 1, "FAILED": 1}
    assert figures.win_rate == pytest.approx(2 / 3)
    assert figures.paid == {"GBP": Decimal("12.50")}
    assert figures.median_landing == pytest.approx(1.5)
    assert figures.worst_landing == pytest.approx(0.5)
    assert figures.as_json()["outcomes"]["CANCELLED"] == 0


def test_stats_of_nothing_say_nothing() -> None:
    figures = stats([])
    assert figures.settled == 0 and figures.win_rate is None and figures.median_landing is None
