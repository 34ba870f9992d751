"""Aiming: how long before its target instant a bid must leave so that it arrives on time.

The bid should ARRIVE at eBay at `close - offset`. It takes one network leg, which the executor
cannot see; it sees round trips of getBidding probes on the same connection. A round trip is the
outbound leg, eBay's work and the return leg, each with its own jitter, plus rare spikes.

`send_lead_ns` turns the recent round trips into the lead, by a policy (`Aim`):

- a *quantile* of the recent round trips stands for the typical one (0: the fastest, as before;
  0.5: the median). The fastest is the right pick when round trips are inflated by queueing that
  the bid does not pay (probes queued behind other snipes' probes at one server); the median is
  the right pick under network jitter, which the bid pays as much as the probes do: half the
  fastest round trip then aims at the luckiest leg and lands late by most of the jitter. Either
  quantile below 0.5 ignores spikes on fewer than that share of the probes.
- a *window*: only the last `window` round trips count (conditions drift; the last probe is the
  freshest).
- an *asymmetry* allowance: the outbound leg may be longer than half the round trip (routes
  differ each way); `asymmetry` = 0.1 leads by 10% more than half the typical round trip. It
  only ever makes the bid earlier.

And one rule no policy overrides (the safety floor): even if the bid's leg took as long as the
slowest whole round trip the probes showed, it still arrives `margin_ns` before the close. A
round trip bounds a leg from above, so within what the probes saw, no aim sends a bid that
arrives after `close - margin`. The floor only binds when a round trip comes near the offset.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple


class Aim(NamedTuple):
    quantile: float = 0.0  # of the recent round trips; 0 = the fastest, 0.5 = the median
    window: int = 16  # how many of the latest round trips count
    asymmetry: float = 0.0  # lead this share of half a round trip more (errs early)


# What the executor aimed with before this module: half the fastest of all its probes.
HALF_FASTEST = Aim(quantile=0.0, window=1 << 30, asymmetry=0.0)

# What the numbers say to aim with (benchmarks/README.md, "Aiming"): half the median of the last
# 16 round trips. Under 80±10 ms of jitter each way its |error| p99 is within 1.5 ms of an
# oracle's where half the fastest of 4 is 6.6 ms off; where probes queue at a busy server and the
# bid does not, it errs early by under 4 ms. No asymmetry allowance by default: it would send
# every bid early on a symmetric path to help only on a lopsided one.
RECOMMENDED = Aim(quantile=0.5, window=16, asymmetry=0.0)
RECOMMENDED_PROBES = 16


def typical_round_trip_ns(round_trips_ns: Sequence[int], aim: Aim) -> int:
    """The nearest-rank `aim.quantile` of the last `aim.window` round trips (0 without any)."""
    recent = sorted(round_trips_ns[-max(1, aim.window) :])
    if not recent:
        return 0
    rank = max(1, min(len(recent), math.ceil(aim.quantile * len(recent))))
    return recent[rank - 1]


def send_lead_ns(
    round_trips_ns: Sequence[int], *, offset_ns: int, margin_ns: int, aim: Aim = HALF_FASTEST
) -> int:
    """How long before the target instant (`close - offset_ns`) to send the bid, in ns.

    `round_trips_ns`: every probe's round trip on the bid's connection, oldest first.
    Never negative; 0 without any round trip (nothing is known, so nothing is assumed).
    """
    if not round_trips_ns:
        return 0
    typical = typical_round_trip_ns(round_trips_ns, aim)
    lead = math.ceil(typical * (1 + max(0.0, aim.asymmetry)) / 2)
    # Arrive by close - margin even if the leg is as slow as the slowest round trip seen.
    floor = max(round_trips_ns) - (offset_ns - margin_ns)
    return max(lead, floor, 0)
