"""How precisely a snipe was fired: each attempt sent, and the report kept with the snipe from
the moment eBay took the bid (so whoever settles it, after a crash too, reports the shot)."""

from __future__ import annotations

import msgspec


class Attempt(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One placeProxyBid sent: when, and what came back (`status` None: no answer was read)."""

    sent_ns: int
    answered_ns: int | None = None
    status: int | None = None
    error_id: int | None = None


class TimingReport(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Epoch nanoseconds for each instant; the latency is the one-way estimate used to aim.

    `sent_ns`/`answered_ns` are those of the attempt that landed (or of the last one sent when
    none is known to have landed); `landed_attempt` (1-based) is set only when it is known which
    attempt eBay took, `tries` keeps every attempt.
    """

    auction_end_ns: int
    target_ns: int  # when the bid should reach eBay: close - offset
    sent_ns: int | None = None  # when the last byte left us
    answered_ns: int | None = None  # when eBay's answer arrived
    estimated_latency_ns: int | None = None
    attempts: int = 0
    tries: tuple[Attempt, ...] = ()
    landed_attempt: int | None = None
    # Who fired: the invocation that claimed the snipe first, or one that took it over.
    fired_by: str | None = None

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
