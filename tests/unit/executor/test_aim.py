"""The aiming rule: the lead from the probes' round trips, and the floor no policy goes below."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sniper.executor.aim import (
    HALF_FASTEST,
    RECOMMENDED,
    RECOMMENDED_PROBES,
    Aim,
    send_lead_ns,
    typical_round_trip_ns,
)

MS = 1_000_000
OFFSET = 1000 * MS
MARGIN = 5 * MS


def test_half_the_fastest_round_trip_is_what_the_executor_aimed_with() -> None:
    assert send_lead_ns([9 * MS, 4 * MS, 7 * MS], offset_ns=OFFSET, margin_ns=MARGIN) == 2 * MS


def test_no_round_trip_means_no_lead() -> None:
    assert send_lead_ns([], offset_ns=OFFSET, margin_ns=MARGIN, aim=Aim(quantile=0.5)) == 0


def test_the_median_ignores_a_spike_the_fastest_would_ignore_too() -> None:
    trips = [160 * MS, 150 * MS, 560 * MS, 170 * MS, 158 * MS]
    assert typical_round_trip_ns(trips, Aim(quantile=0.5)) == 160 * MS
    assert typical_round_trip_ns(trips, Aim(quantile=0.0)) == 150 * MS


def test_only_the_window_of_latest_round_trips_counts() -> None:
    trips = [10 * MS, 200 * MS, 210 * MS]  # the path got slower since the first probe
    assert typical_round_trip_ns(trips, Aim(quantile=0.0, window=2)) == 200 * MS
    assert typical_round_trip_ns(trips, Aim(quantile=0.0, window=16)) == 10 * MS


def test_an_asymmetry_allowance_only_ever_leads_more() -> None:
    trips = [160 * MS]
    plain = send_lead_ns(trips, offset_ns=OFFSET, margin_ns=MARGIN, aim=Aim(quantile=0.5))
    wary = send_lead_ns(
        trips, offset_ns=OFFSET, margin_ns=MARGIN, aim=Aim(quantile=0.5, asymmetry=0.1)
    )
    negative = send_lead_ns(
        trips, offset_ns=OFFSET, margin_ns=MARGIN, aim=Aim(quantile=0.5, asymmetry=-0.5)
    )
    assert plain == 80 * MS and wary == 88 * MS and negative == plain


def test_the_floor_binds_when_a_round_trip_comes_near_the_offset() -> None:
    # A 700 ms round trip with a 500 ms offset: the bid must leave 205 ms before the target,
    # whatever half the typical round trip says, to arrive 5 ms before the close at worst.
    trips = [100 * MS, 100 * MS, 700 * MS]
    lead = send_lead_ns(trips, offset_ns=500 * MS, margin_ns=MARGIN, aim=Aim(quantile=0.5))
    assert lead == 205 * MS


round_trips = st.lists(st.integers(min_value=0, max_value=3_000 * MS), min_size=1, max_size=40)
aims = st.builds(
    Aim,
    quantile=st.floats(min_value=0.0, max_value=1.0),
    window=st.integers(min_value=1, max_value=64),
    asymmetry=st.floats(min_value=-1.0, max_value=1.0),
)


@settings(deadline=None)  # pure arithmetic: a loaded machine must not fail it
@given(
    trips=round_trips,
    aim=aims,
    offset=st.integers(min_value=0, max_value=10_000 * MS),
    margin=st.integers(min_value=0, max_value=50 * MS),
    leg_share=st.floats(min_value=0.0, max_value=1.0),
)
def test_a_bid_never_arrives_after_close_minus_margin_within_what_the_probes_showed(
    trips: list[int], aim: Aim, offset: int, margin: int, leg_share: float
) -> None:
    close = 10**19  # epoch ns, far from zero
    target = close - offset
    lead = send_lead_ns(trips, offset_ns=offset, margin_ns=margin, aim=aim)
    # Any true one-way leg no longer than the slowest round trip the probes measured.
    leg = int(max(trips) * leg_share)
    arrival = target - lead + leg
    assert arrival <= close - margin
    assert lead >= 0


@settings(deadline=None)  # pure arithmetic: a loaded machine must not fail it
@given(trips=round_trips, aim=aims)
def test_with_room_to_spare_the_lead_is_half_the_typical_round_trip_or_more(
    trips: list[int], aim: Aim
) -> None:
    lead = send_lead_ns(trips, offset_ns=10**13, margin_ns=MARGIN, aim=aim)
    typical = typical_round_trip_ns(trips, aim)
    assert typical // 2 <= lead <= typical  # asymmetry is capped at 1 in these aims
    assert min(trips) <= typical <= max(trips)


def test_half_fastest_counts_every_round_trip() -> None:
    assert HALF_FASTEST.window >= 10_000


def test_the_recommended_aim_is_half_the_median_of_sixteen() -> None:
    trips = [150 * MS, 170 * MS, 160 * MS, 900 * MS] * 4
    lead = send_lead_ns(trips, offset_ns=OFFSET, margin_ns=MARGIN, aim=RECOMMENDED)
    assert RECOMMENDED_PROBES == RECOMMENDED.window == 16
    assert lead == 80 * MS  # the spikes (a quarter of the probes) do not move it
