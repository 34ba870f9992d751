"""The emulated network's arithmetic: one segment's delay, and in-order delivery."""

from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks._link import NS_PER_MS, InOrder, Leg, Link


def _delays_ms(leg: Leg, n: int = 4000, seed: int = 3) -> list[float]:
    rng = random.Random(seed)
    return [leg.delay_ns(rng) / NS_PER_MS for _ in range(n)]


def test_uniform_jitter_stays_within_latency_plus_or_minus_jitter_around_the_latency() -> None:
    delays = _delays_ms(Leg(latency_ms=80, jitter_ms=10))
    assert 70 <= min(delays) < 71 and 89 < max(delays) <= 90
    assert statistics.median(delays) == pytest.approx(80, abs=1)


def test_normal_jitter_has_the_jitter_as_its_standard_deviation_and_no_negative_delay() -> None:
    delays = _delays_ms(Leg(latency_ms=80, jitter_ms=10, distribution="normal"))
    assert statistics.stdev(delays) == pytest.approx(10, rel=0.1)
    assert min(_delays_ms(Leg(latency_ms=1, jitter_ms=10, distribution="normal"))) >= 0


def test_spikes_hit_about_their_share_of_segments() -> None:
    delays = _delays_ms(Leg(latency_ms=20, spike_ms=200, spike_share=0.05), n=10_000)
    spiked = sum(1 for d in delays if d > 100)
    assert 400 <= spiked <= 600
    assert all(d in (20.0, 220.0) for d in delays)


def test_no_jitter_no_spike_is_the_latency_exactly() -> None:
    assert set(_delays_ms(Leg(latency_ms=20), n=50)) == {20.0}


def test_a_leg_refuses_an_unknown_distribution_and_a_share_above_one() -> None:
    with pytest.raises(ValueError, match="distribution"):
        Leg(distribution="pareto")
    with pytest.raises(ValueError, match="share"):
        Leg(spike_share=1.5)


def test_links_describe_themselves() -> None:
    leg = Leg(latency_ms=80, jitter_ms=10)
    assert Link.symmetric(leg).describe() == "80±10 ms each way"
    spiky = Link(Leg(90, 10, 200, 0.05), Leg(70, 10))
    assert spiky.describe() == "out 90±10 ms, +200 ms on 5%, back 70±10 ms"


@settings(deadline=None)  # pure arithmetic: a loaded machine must not fail it
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1))
def test_a_later_segment_is_never_delivered_before_an_earlier_one(
    segments: list[tuple[int, int]],
) -> None:
    order = InOrder()
    received = 0
    delivered: list[int] = []
    for gap, delay in segments:
        received += gap
        due = order.deliver_at(received, delay)
        assert due >= received + delay  # never before its own due time
        delivered.append(due)
    assert delivered == sorted(delivered)
