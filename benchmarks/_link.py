"""The emulated network between the executor and eBay: what delays one segment, and when it is
delivered. Pure (the sockets are `_delay_proxy.py`'s); tests/unit/benchmarks covers it.

A direction of a link (`Leg`) delays each segment by its latency plus a jitter sample plus, on a
`spike_share` of segments, a spike:

- jitter is uniform on [-jitter, +jitter] by default, netem's `delay L J` convention, so the
  configured latency is the mean and the median of a leg; `normal` draws N(0, jitter) instead;
  either is clipped so no delay is negative.
- a spike adds `spike_ms` to that one segment (a retransmission, a queue at a router).

Order is kept within a connection, as TCP keeps it: a segment is delivered at its own due time
or right after the segment before it, whichever is later; a later segment never overtakes an
earlier one (`InOrder`). A segment is what one read of the proxy's socket returns.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class Leg:
    """One direction of the emulated link."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    spike_ms: float = 0.0
    spike_share: float = 0.0
    distribution: str = "uniform"  # or "normal"

    def __post_init__(self) -> None:
        if self.distribution not in ("uniform", "normal"):
            raise ValueError(f"unknown jitter distribution {self.distribution!r}")
        if not 0.0 <= self.spike_share <= 1.0:
            raise ValueError("spike_share is a share of segments, 0..1")

    def delay_ns(self, rng: random.Random) -> int:
        """One segment's delay, drawn from this leg's distribution."""
        if self.distribution == "uniform":
            jitter = rng.uniform(-self.jitter_ms, self.jitter_ms)
        else:
            jitter = rng.gauss(0.0, self.jitter_ms)
        spike = self.spike_ms if self.spike_share and rng.random() < self.spike_share else 0.0
        return max(0, round((self.latency_ms + jitter + spike) * NS_PER_MS))

    def describe(self) -> str:
        text = f"{self.latency_ms:g}±{self.jitter_ms:g} ms"
        if self.distribution != "uniform":
            text += f" ({self.distribution})"
        if self.spike_share:
            text += f", +{self.spike_ms:g} ms on {self.spike_share:.0%}"
        return text


@dataclass(frozen=True)
class Link:
    """Both directions: `out` carries requests to eBay, `back` carries its answers."""

    out: Leg
    back: Leg

    @classmethod
    def symmetric(cls, leg: Leg) -> Link:
        return cls(leg, leg)

    def describe(self) -> str:
        if self.out == self.back:
            return f"{self.out.describe()} each way"
        return f"out {self.out.describe()}, back {self.back.describe()}"


class InOrder:
    """Delivery instants of one direction of one connection, in order (TCP's guarantee)."""

    def __init__(self) -> None:
        self.last_ns = 0

    def deliver_at(self, received_ns: int, delay_ns: int) -> int:
        due = max(received_ns + delay_ns, self.last_ns)
        self.last_ns = due
        return due
