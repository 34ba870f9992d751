"""Pure parts of the precision benchmark: one client's samples, its row, and the verdicts.

The figure of merit is the p99 of the *absolute* firing error (arrival - target): a bid sent
early by the jitter is as far off as one sent late, and a signed p99 would reward aiming early.
Each client's |error| p99 is compared with the oracle's in the same scenario and run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks._common import percentile, summary


@dataclass
class ClientSamples:
    """One client's bids in one scenario (ms)."""

    errors: list[float] = field(default_factory=list)  # arrival - target
    leads: list[float] = field(default_factory=list)  # how long before the target it sent
    after_close: int = 0  # arrived at or after the close: a missed snipe
    missing: int = 0  # no bid arrived at all

    def add(self, arrival_ns: int | None, target_ns: int, close_ns: int) -> None:
        if arrival_ns is None:
            self.missing += 1
            return
        self.errors.append((arrival_ns - target_ns) / 1e6)
        if arrival_ns >= close_ns:
            self.after_close += 1

    def abs_p99(self) -> float | None:
        return percentile([abs(e) for e in self.errors], 99) if self.errors else None

    def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {"after_close": self.after_close, "missing": self.missing}
        if self.errors:
            out["errors"] = summary(self.errors)
            out["abs_p99"] = self.abs_p99()
            out["errors_us"] = sorted(round(e * 1000) for e in self.errors)
        if self.leads:
            out["leads"] = summary(self.leads)
        return out


def client_row(
    scenario: str, name: str, samples: ClientSamples, oracle: ClientSamples
) -> list[Any]:
    """scenario, client, n, signed p50/p99, |error| p90 and p99, min, max, |p99| - oracle's,
    lead p50. (The p90 is for runs too short or too disturbed for a p99 to say much.)"""
    if not samples.errors:
        return [scenario, name, 0, "-", "-", "-", "-", "-", "-", "-", "-", samples.missing]
    ours, theirs = samples.abs_p99(), oracle.abs_p99()
    s = summary(samples.errors)
    over = "-" if ours is None or theirs is None else f"{ours - theirs:+.2f}"
    lead = percentile(samples.leads, 50) if samples.leads else "-"
    p90 = percentile([abs(e) for e in samples.errors], 90)
    return [
        scenario, name, len(samples.errors), s["p50"], s["p99"], p90, ours, s["min"], s["max"],
        over, lead, samples.after_close + samples.missing,
    ]  # fmt: skip


CLIENT_HEADERS = [
    "scenario", "client", "n", "p50", "p99", "|err| p90", "|err| p99", "min", "max",
    "vs oracle |p99|", "lead p50", "late/none",
]  # fmt: skip


def within_of_oracle(samples: ClientSamples, oracle: ClientSamples, limit_ms: float) -> bool | None:
    """Is this client's |error| p99 at most `limit_ms` above the oracle's? (None: no data)"""
    ours, theirs = samples.abs_p99(), oracle.abs_p99()
    if ours is None or theirs is None:
        return None
    return ours - theirs <= limit_ms


def cpu_ratio(at_share: ClientSamples, at_one_vcpu: ClientSamples) -> float | None:
    """|error| p99 under a CPU share over the same at one vCPU (None: no data or a zero p99)."""
    ours, reference = at_share.abs_p99(), at_one_vcpu.abs_p99()
    if ours is None or not reference:
        return None
    return ours / reference


def verdict(ok: bool | None) -> str:
    return "no data" if ok is None else ("met" if ok else "MISSED")


def late_total(by_client: Mapping[str, ClientSamples], names: Sequence[str] | None = None) -> int:
    """Bids that arrived at or after the close, or never, over the named clients (all: None)."""
    chosen = by_client if names is None else {n: by_client[n] for n in names if n in by_client}
    return sum(s.after_close + s.missing for s in chosen.values())
