"""Operational metrics in CloudWatch's embedded metric format (EMF), through Powertools Metrics.

Each call prints one EMF JSON line on stdout; Lambda sends it to CloudWatch Logs, which turns it
into metrics: no PutMetricData call, no IAM permission, nothing on the bid's path. All metrics
carry one dimension, `service`, in the namespace the function is given (template.yaml:
POWERTOOLS_METRICS_NAMESPACE, one per stack); the dashboard and the alarms read them there.

Per settled snipe (the executor, once, after the final write):
  LandedBeforeClose  Milliseconds  close - landed (landed: midpoint of sent and answered)
  FiringError        Milliseconds  landed - the instant aimed at (positive: late)
  BidAttempts        Count         placeProxyBid attempts (absent when it never came to firing)
  SnipesWon / SnipesOutbid / SnipesSkipped / SnipesFailed   Count  1, under the outcome's name
  SnipesLate         Count   1 when it woke too late to bid, or landed over LATE_AFTER_MS late
  SnipesLost         Count   1 when it failed for a cause on our side or eBay's service rather
                             than the user's or the auction's (LOST_REASONS): what pages someone
From the API:
  DuplicateSnipesRefused  Count  POST /bids refused a second live snipe on one item (409)

Ten metrics, one dimension value: inside CloudWatch's free tier of ten custom metrics.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from sniper.domain.snipe import FailureReason, SnipeStatus
from sniper.domain.timing_report import TimingReport

if TYPE_CHECKING:
    from aws_lambda_powertools.metrics import Metrics

log = logging.getLogger(__name__)

DEFAULT_NAMESPACE: Final = "EbaySniper"
DEFAULT_SERVICE: Final = "ebay-sniper"
NS_PER_MS: Final = 1_000_000
# A bid landing this much after its instant counts as late (the default offset is 3 s).
LATE_AFTER_MS: Final = 1000
LOST_REASONS: Final = frozenset(
    {
        FailureReason.EBAY_UNAVAILABLE,
        FailureReason.OUTCOME_UNKNOWN,
        FailureReason.EBAY_APP_NOT_APPROVED,
        FailureReason.TOO_LATE,
        FailureReason.EXECUTOR_LATE,
        FailureReason.INTERNAL,
    }
)
# Failures that mean the snipe came too late to bid (the executor woke, or could send, too late).
LATE_REASONS: Final = frozenset({FailureReason.TOO_LATE, FailureReason.EXECUTOR_LATE})
OUTCOME_METRICS: Final = {
    SnipeStatus.WON: "SnipesWon",
    SnipeStatus.LOST: "SnipesOutbid",
    SnipeStatus.SKIPPED: "SnipesSkipped",
    SnipeStatus.FAILED: "SnipesFailed",
}

# Every name this module emits: the dashboard and the alarms may use these and no others.
METRIC_NAMES: Final = frozenset(
    {"LandedBeforeClose", "FiringError", "BidAttempts", "SnipesLate", "SnipesLost",
     "DuplicateSnipesRefused", *OUTCOME_METRICS.values()}
)  # fmt: skip

# name -> (unit, value)
Values = dict[str, tuple[str, float]]


def _reason_code(reason: str | None) -> str:
    """The code of a reason: BID_REJECTED of "BID_REJECTED:120011"."""
    return (reason or "").partition(":")[0].strip()


def settled_values(outcome: SnipeStatus, reason: str | None, timing: TimingReport | None) -> Values:
    """The metrics one settled snipe reports (pure: the tests check the lines against it)."""
    values: Values = {}
    if outcome in OUTCOME_METRICS:
        values[OUTCOME_METRICS[outcome]] = ("Count", 1)
    late = outcome == SnipeStatus.FAILED and _reason_code(reason) in LATE_REASONS
    if timing is not None and timing.attempts:
        values["BidAttempts"] = ("Count", timing.attempts)
    landed = timing.landed_ns if timing is not None else None
    if timing is not None and landed is not None:
        error_ms = (landed - timing.target_ns) / NS_PER_MS
        values["LandedBeforeClose"] = ("Milliseconds", (timing.auction_end_ns - landed) / NS_PER_MS)
        values["FiringError"] = ("Milliseconds", error_ms)
        late = late or error_ms > LATE_AFTER_MS
    if late:
        values["SnipesLate"] = ("Count", 1)
    if outcome == SnipeStatus.FAILED and _reason_code(reason) in LOST_REASONS:
        values["SnipesLost"] = ("Count", 1)
    return values


class SniperMetrics:
    """Emits the metrics above. Never raises: a metric must not undo or delay an outcome."""

    def __init__(
        self, *, namespace: str = DEFAULT_NAMESPACE, service: str = DEFAULT_SERVICE
    ) -> None:
        if not namespace.strip() or not service.strip():
            raise ValueError("metrics need a namespace and a service name")
        self.namespace = namespace
        self.service = service
        self._metrics: Metrics | None = None

    def snipe_settled(
        self,
        outcome: SnipeStatus,
        *,
        reason: str | None,
        timing: TimingReport | None,
        bid_id: str,
    ) -> None:
        """Call once per snipe, after its final state is written."""
        metadata = {"bidId": bid_id, "outcome": outcome.value, "reason": reason or ""}
        self._emit(settled_values(outcome, reason, timing), metadata)

    def duplicate_refused(self) -> None:
        """Call where POST /bids refuses a second live snipe on one item (AlreadySniped)."""
        self._emit({"DuplicateSnipesRefused": ("Count", 1)}, {})

    def _emit(self, values: Values, metadata: dict[str, str]) -> None:
        if not values:
            return
        try:
            metrics = self._powertools()
            for name, (unit, value) in values.items():
                metrics.add_metric(name=name, unit=unit, value=value)
            for key, text in metadata.items():
                metrics.add_metadata(key=key, value=text)
            metrics.flush_metrics()
        except Exception:
            log.exception("could not emit metrics %s", sorted(values))

    def _powertools(self) -> Metrics:
        # Imported at first use, not with this module: Powertools' import (~10 ms) then falls
        # after the bid, not in the executor's cold start.
        if self._metrics is None:
            from aws_lambda_powertools.metrics import Metrics
            from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
                AmazonCloudWatchEMFProvider,
            )

            # Its own provider: Metrics instances otherwise share one metric set per process.
            provider = AmazonCloudWatchEMFProvider(namespace=self.namespace, service=self.service)
            self._metrics = Metrics(provider=provider)
        return self._metrics
