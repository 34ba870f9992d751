"""The aim model's arithmetic on links whose delays are known exactly."""

from __future__ import annotations

import random

from benchmarks._aims import OPTIONS
from benchmarks._link import Leg, Link
from benchmarks.aim_model import ORACLE, SERVER_NS, model, trial

MS = 1_000_000


def test_without_jitter_every_option_is_early_by_half_the_servers_time_and_the_oracle_exact() -> (
    None
):
    found = trial(Link.symmetric(Leg(80)), random.Random(1))
    assert found[ORACLE] == (0, 80 * MS)
    plain = [o.name for o in OPTIONS if o.aim.asymmetry == 0]
    for name in plain:
        assert found[name] == (-SERVER_NS // 2, 80 * MS + SERVER_NS // 2)


def test_on_a_lopsided_path_half_a_round_trip_lands_late_by_half_the_difference() -> None:
    found = trial(Link(Leg(90), Leg(70)), random.Random(1))
    assert found["half median of 16"][0] == 10 * MS - SERVER_NS // 2


def test_the_model_counts_no_bid_after_the_close_on_a_plain_path() -> None:
    stats = model(Link.symmetric(Leg(80, 10)), trials=200, seed=2)
    assert all(s["after_close"] == 0 for s in stats.values())
    assert stats["half median of 16"]["abs_p99"] < stats["today: half fastest of 4"]["abs_p99"]
