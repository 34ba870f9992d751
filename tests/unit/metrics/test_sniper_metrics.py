"""What each settled snipe reports, and that a metric never gets in an outcome's way."""

from __future__ import annotations

import io
import json
import sys

import pytest

from sniper.domain.snipe import FailureReason, SkipReason, SnipeStatus
from sniper.domain.timing_report import TimingReport
from sniper.metrics import METRIC_NAMES, SniperMetrics, settled_values

MS = 1_000_000
CLOSE = 1_800_000_000_000 * MS


def _timing(landed_before_close_ms: float, aimed_before_close_ms: float = 3000) -> TimingReport:
    landed = CLOSE - int(landed_before_close_ms * MS)
    return TimingReport(
        auction_end_ns=CLOSE,
        target_ns=CLOSE - int(aimed_before_close_ms * MS),
        sent_ns=landed - 20 * MS,
        answered_ns=landed + 20 * MS,
        attempts=1,
    )


def test_a_won_snipe_reports_its_timing_and_outcome() -> None:
    values = settled_values(SnipeStatus.WON, None, _timing(2990))
    assert values == {
        "SnipesWon": ("Count", 1),
        "BidAttempts": ("Count", 1),
        "LandedBeforeClose": ("Milliseconds", 2990.0),
        "FiringError": ("Milliseconds", 10.0),
    }


def test_landing_over_a_second_after_the_aim_is_late_but_not_lost() -> None:
    values = settled_values(SnipeStatus.LOST, None, _timing(1500))
    assert values["FiringError"] == ("Milliseconds", 1500.0)
    assert values["SnipesLate"] == ("Count", 1) and values["SnipesOutbid"] == ("Count", 1)
    assert "SnipesLost" not in values  # outbid is the auction's doing, not ours


@pytest.mark.parametrize(
    ("reason", "late", "lost"),
    [
        (FailureReason.TOO_LATE, True, True),
        (FailureReason.EBAY_UNAVAILABLE, False, True),
        (FailureReason.OUTCOME_UNKNOWN, False, True),
        (FailureReason.EBAY_APP_NOT_APPROVED, False, True),
        (FailureReason.TOKEN_REVOKED, False, False),  # the user's to fix
        (f"{FailureReason.BID_REJECTED}:120011", False, False),  # the auction's rules
    ],
)
def test_failures_count_as_late_or_lost_by_their_cause(reason: str, late: bool, lost: bool) -> None:
    values = settled_values(SnipeStatus.FAILED, reason, None)
    assert values["SnipesFailed"] == ("Count", 1)
    assert ("SnipesLate" in values) is late
    assert ("SnipesLost" in values) is lost
    assert "FiringError" not in values  # never sent: nothing to measure


def test_a_skipped_snipe_reports_only_its_outcome() -> None:
    values = settled_values(SnipeStatus.SKIPPED, SkipReason.PRICE_ABOVE_MAX, None)
    assert values == {"SnipesSkipped": ("Count", 1)}


def test_every_name_is_declared() -> None:
    emitted = set()
    for outcome in (SnipeStatus.WON, SnipeStatus.LOST, SnipeStatus.SKIPPED, SnipeStatus.FAILED):
        emitted |= set(settled_values(outcome, FailureReason.TOO_LATE, _timing(100)))
    assert emitted | {"DuplicateSnipesRefused"} == METRIC_NAMES


def test_one_emf_line_per_call(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = SniperMetrics(namespace="EbaySniper/test", service="ebay-sniper")
    metrics.snipe_settled(SnipeStatus.WON, reason=None, timing=_timing(2990), bid_id="b1")
    metrics.duplicate_refused()
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "EbaySniper/test"
    assert first["SnipesWon"] == [1.0] and first["bidId"] == "b1"
    # The second line starts afresh: nothing of the first snipe carries over.
    assert second["DuplicateSnipesRefused"] == [1.0]
    assert "SnipesWon" not in second and "bidId" not in second


def test_a_metric_that_cannot_be_emitted_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stdout", closed)  # printing the line fails
    metrics = SniperMetrics(namespace="EbaySniper/test", service="ebay-sniper")
    metrics.snipe_settled(SnipeStatus.WON, reason=None, timing=None, bid_id="b2")
    assert "could not emit metrics ['SnipesWon']" in caplog.text


def test_a_namespace_is_required() -> None:
    with pytest.raises(ValueError, match="namespace"):
        SniperMetrics(namespace=" ", service="ebay-sniper")
