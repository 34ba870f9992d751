"""The instants of a snipe: the properties the exactly-once argument and the standby rest on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sniper.clock import NS_PER_S
from sniper.domain import instants
from sniper.domain.instants import DEFAULT as T
from sniper.domain.snipe import MAX_OFFSET_SECONDS, MIN_OFFSET_SECONDS

CLOSE_MS = 1_800_000_000_000
instants_ms = st.integers(min_value=CLOSE_MS - 600_000, max_value=CLOSE_MS + 120_000)
offsets = st.floats(min_value=MIN_OFFSET_SECONDS, max_value=MAX_OFFSET_SECONDS)


@given(lease=instants_ms, now=instants_ms)
def test_a_holder_and_a_taker_never_both_have_the_lease(lease: int, now: int) -> None:
    assert not (instants.holds(lease, now) and instants.abandoned(lease, now))


@given(now=instants_ms, offset=offsets)
def test_a_renewal_comes_while_the_holder_still_holds(now: int, offset: float) -> None:
    target = instants.target_ms(CLOSE_MS, offset)
    lease = instants.lease_until_ms(now, target, CLOSE_MS)
    renew = instants.renew_after_ms(lease, now, target, CLOSE_MS)
    assert now <= renew
    assert instants.holds(lease, renew) or renew == now


@given(offset=offsets, before_ms=st.integers(min_value=3_000, max_value=60_000))
def test_a_standby_takes_over_a_holder_dead_3_s_before_the_instant_in_time(
    offset: float, before_ms: int
) -> None:
    """The holder renewed for the last time as it died, `before_ms` before its instant; the
    standby reads the lease every `watch_near_ms` and may take it over once abandoned: it still
    has time to fire before the close (300 ms allowed for the takeover write and the send)."""
    target = instants.target_ms(CLOSE_MS, offset)
    died = target - before_ms
    lease = instants.lease_until_ms(died, target, CLOSE_MS)
    taken = lease + T.takeover_skew_ms + 1 + T.watch_near_ms
    assert instants.abandoned(lease, taken)
    assert taken <= max(died, target - round(T.critical_lead_s * 1000)) + T.short_lease_ms + (
        T.takeover_skew_ms + 1 + T.watch_near_ms
    )
    fires_at = max(taken + 300, target)
    assert fires_at < CLOSE_MS


@given(close=st.integers(min_value=CLOSE_MS, max_value=CLOSE_MS + 86_400_000))
def test_the_wakes_are_on_the_grid_and_the_standby_never_first(close: int) -> None:
    primary = instants.primary_wake_ms(close)
    standby = instants.standby_wake_ms(close)
    assert primary % (T.schedule_precision_s * 1000) == 0
    assert standby % (T.schedule_precision_s * 1000) == 0
    assert primary <= standby
    assert T.schedule_lead_s * 1000 <= close - primary < (T.schedule_lead_s + 60) * 1000
    assert T.standby_lead_s * 1000 <= close - standby < (T.standby_lead_s + 60) * 1000
    # Even delivered a whole grid step late, the standby is there before the critical window
    # of a snipe with the default offset, and before the instant's preparation of any.
    assert standby + 60_000 <= instants.target_ms(close, 3.0) - T.critical_lead_s * 1000
    assert (
        standby + 60_000 < instants.target_ms(close, MIN_OFFSET_SECONDS) - T.prepare_lead_s * 1000
    )


def test_leases_are_short_only_near_the_instant() -> None:
    target = instants.target_ms(CLOSE_MS, 3.0)
    far = target - round(T.critical_lead_s * 1000) - 60_000
    assert instants.lease_until_ms(far, target, CLOSE_MS) - far == T.long_lease_ms
    # Just before the critical window, a long lease ends where a short one would.
    edge = target - round(T.critical_lead_s * 1000) - 1
    assert instants.lease_until_ms(edge, target, CLOSE_MS) == edge + 1 + T.short_lease_ms
    near = target - 1_000
    assert instants.lease_until_ms(near, target, CLOSE_MS) - near == T.short_lease_ms
    after = CLOSE_MS + 1
    assert instants.lease_until_ms(after, target, CLOSE_MS) - after == T.long_lease_ms
    # Far away the next renewal never lets the lease run into the critical window unrenewed.
    lease = instants.lease_until_ms(far, target, CLOSE_MS)
    assert instants.renew_after_ms(lease, far, target, CLOSE_MS) <= edge + 1


def test_no_send_that_would_arrive_after_the_close() -> None:
    close_ns = CLOSE_MS * instants.NS_PER_MS
    latency = 80 * instants.NS_PER_MS
    assert instants.can_send(close_ns - latency - 6 * instants.NS_PER_MS, latency, close_ns)
    assert not instants.can_send(close_ns - latency - 5 * instants.NS_PER_MS, latency, close_ns)
    assert not instants.can_send(close_ns, 0, close_ns)


def test_a_snipe_needs_room_before_its_instant() -> None:
    assert instants.accepts_new(CLOSE_MS, 3.0, CLOSE_MS - 3_000 - T.min_lead_ms)
    assert not instants.accepts_new(CLOSE_MS, 3.0, CLOSE_MS - 3_000 - T.min_lead_ms + 1)


relay_moments = st.integers(min_value=4 * NS_PER_S, max_value=800 * NS_PER_S)
relay_gaps = st.integers(min_value=-2 * NS_PER_S, max_value=2 * NS_PER_S)


@given(primary_left=relay_moments, gap=relay_gaps)
def test_relayed_wakes_keep_the_primary_first_and_never_late(primary_left: int, gap: int) -> None:
    """SQS delays are whole seconds: the primary's relay never makes it late, the standby's never
    early, and however their relays fell (`gap` apart) the primary's delivery comes first."""
    target = 1_000 * NS_PER_S
    primary_wake = instants.run_wake_ns(target)
    standby_wake = instants.run_wake_ns(target, standby=True)
    primary_at = primary_wake - primary_left
    standby_at = primary_at + gap
    primary_delay = instants.relay_delay_s(primary_at, primary_wake)
    standby_delay = instants.relay_delay_s(standby_at, standby_wake, standby=True)
    assert primary_delay is not None and standby_delay is not None
    primary_runs = primary_at + primary_delay * NS_PER_S
    standby_runs = standby_at + standby_delay * NS_PER_S
    assert primary_wake - NS_PER_S < primary_runs <= primary_wake
    assert standby_wake <= standby_runs < standby_wake + NS_PER_S
    assert standby_runs - primary_runs >= round(T.standby_lag_s * NS_PER_S)


def test_a_wake_near_enough_is_run_at_once() -> None:
    wake = 1_000 * NS_PER_S
    assert instants.relay_delay_s(wake - 2 * NS_PER_S, wake) is None
    assert instants.relay_delay_s(wake - 2 * NS_PER_S, wake, standby=True) is None
    assert instants.relay_delay_s(wake - 5_000 * NS_PER_S, wake) == T.relay_max_s
