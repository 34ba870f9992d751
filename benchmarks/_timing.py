"""Pure parts of the firing benchmark: matching the simulator's bid log to targets, the error
statistics, and the rows of the tables. No I/O here (tests/unit/benchmarks covers it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks._common import percentile, summary

NS_PER_MS = 1_000_000


def first_arrivals(bids: Iterable[Mapping[str, Any]], items: Mapping[str, str]) -> dict[str, int]:
    """The first bid's `arrivedNs` per item, counting only bids by the bidder `items` names for
    that item (item id -> bidder) sent through the API (not the simulator's scripted rivals)."""
    first: dict[str, int] = {}
    for bid in bids:
        item_id = bid["itemId"]
        if items.get(item_id) != bid.get("bidder") or bid.get("source", "api") != "api":
            continue
        arrived = int(bid["arrivedNs"])
        if item_id not in first or arrived < first[item_id]:
            first[item_id] = arrived
    return first


def errors_ms(arrivals: Mapping[str, int], targets: Mapping[str, int]) -> tuple[list[float], int]:
    """(arrival - target in ms for each target that got a bid, how many got none)."""
    errors = [(arrivals[k] - t) / NS_PER_MS for k, t in targets.items() if k in arrivals]
    return errors, sum(1 for k in targets if k not in arrivals)


def ratio(ours: float, floor: float) -> float | None:
    """ours / floor, or None when the floor is not positive (no meaningful ratio)."""
    return ours / floor if floor > 0 else None


@dataclass
class Samples:
    """Firing samples of one client kind at one concurrency, over all its waves (ms)."""

    errors: list[float] = field(default_factory=list)
    # Decomposition: how late the bytes left (vs. the instant aimed at), and the trip to the stamp.
    wake: list[float] = field(default_factory=list)
    transit: list[float] = field(default_factory=list)
    estimate: list[float] = field(default_factory=list)  # the executor's one-way estimate
    missing: int = 0

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {"missing": self.missing}
        for name in ("errors", "wake", "transit", "estimate"):
            values = getattr(self, name)
            if values:
                out[name] = summary(values)
        if self.errors:
            out["abs_p99"] = percentile([abs(e) for e in self.errors], 99)
            # Every sample, in µs, sorted: to see a tail that a p99 of a few hundred hides.
            out["errors_us"] = sorted(round(e * 1000) for e in self.errors)
        return out

    def over(self, limit_ms: float) -> int:
        """How many snipes arrived later than `limit_ms` after their target."""
        return sum(1 for e in self.errors if e > limit_ms)


def level_row(
    concurrency: int, ours: Samples, floor: Samples, target_ms: float | None
) -> list[Any]:
    """One line of the headline table: our error, the floor's, the p99 ratio, the target."""
    o, f = summary(ours.errors), summary(floor.errors)
    r = ratio(o["p99"], f["p99"])
    verdict = "-" if target_ms is None else ("met" if o["p99"] < target_ms else "MISSED")
    return [
        concurrency, len(ours.errors), o["p50"], o["p99"], o["max"], o["min"],
        len(floor.errors), f["p50"], f["p99"], f["max"],
        "n/a" if r is None else f"{r:.1f}x",
        "-" if target_ms is None else f"< {target_ms:g}", verdict,
    ]  # fmt: skip


LEVEL_HEADERS = [
    "concurrency", "n", "ours p50", "ours p99", "ours max", "ours min",
    "floor n", "floor p50", "floor p99", "floor max", "p99 ratio", "target p99", "",
]  # fmt: skip


def decomposition_row(concurrency: int, who: str, samples: Samples) -> list[Any]:
    def p(values: Sequence[float], q: float) -> float | str:
        return percentile(values, q) if values else "-"

    return [
        concurrency, who,
        p(samples.wake, 50), p(samples.wake, 99),
        p(samples.transit, 50), p(samples.transit, 99),
        p(samples.estimate, 50), samples.missing,
    ]  # fmt: skip


DECOMPOSITION_HEADERS = [
    "concurrency", "client", "send late p50", "send late p99",
    "transit p50", "transit p99", "est. one-way p50", "no bid",
]  # fmt: skip
