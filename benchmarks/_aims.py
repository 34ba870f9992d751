"""The aiming options the precision benchmark puts side by side (`sniper.executor.aim`).

Each uses the latest `probes` round trips of the same probe series, so every option in a round
aims from the very same measurements: the differences between them are the aim's alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sniper.executor.aim import HALF_FASTEST, Aim, send_lead_ns

PROBES = 16  # round trips measured per round (two connections, eight each)
# Never send a bid that could arrive later than this before the close: the executor's own margin.
SEND_MARGIN_NS = 5_000_000


@dataclass(frozen=True)
class AimOption:
    name: str
    probes: int  # how many of the latest round trips it aims from
    aim: Aim

    def lead_ns(self, round_trips_ns: Sequence[int], *, offset_ns: int, margin_ns: int) -> int:
        return send_lead_ns(
            list(round_trips_ns)[-self.probes :],
            offset_ns=offset_ns,
            margin_ns=margin_ns,
            aim=self.aim,
        )


OPTIONS: tuple[AimOption, ...] = (
    # What the executor does today: three warm-up probes and one just before BIDDING.
    AimOption("today: half fastest of 4", 4, HALF_FASTEST),
    AimOption("half fastest of 16", 16, Aim(quantile=0.0, window=16)),
    AimOption("half median of 4", 4, Aim(quantile=0.5, window=4)),
    AimOption("half median of 16", 16, Aim(quantile=0.5, window=16)),
    AimOption("half p25 of 16", 16, Aim(quantile=0.25, window=16)),
    AimOption("half median of 16, +10%", 16, Aim(quantile=0.5, window=16, asymmetry=0.1)),
)


def pooled(series: Sequence[Sequence[int]]) -> list[int]:
    """Round trips of probe series run side by side, in the order they were taken."""
    merged: list[int] = []
    for index in range(max((len(s) for s in series), default=0)):
        merged.extend(s[index] for s in series if index < len(s))
    return merged
