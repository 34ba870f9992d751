"""Every instant of a snipe, computed in one place (pure: no clock, no I/O).

The scheduler (when to wake the executor and its standby), the API (until when a snipe may be
changed, how soon it may close) and the executor (when to prepare, move to BIDDING, fire, settle,
how long a lease lasts, when a standby may take over) all read their instants from here, so the
timing of a snipe can be read, reasoned about and changed in one file. docs/timing.md draws it.

All instants are epoch nanoseconds unless the name says `_ms`; the close and the offset come
from the snipe, the policy from `Timing` (settings decide its values; the defaults are the
deployed ones).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from sniper.clock import NS_PER_MS, NS_PER_S


@dataclass(frozen=True)
class Timing:
    """The policy: how far ahead each step happens, and how leases behave."""

    # EventBridge Scheduler fires one-time schedules on a grid (60 s; the local one honours 1 s)
    # and at least once: the primary is woken `schedule_lead_s` (+ up to one grid step) early.
    schedule_lead_s: int = 120
    schedule_precision_s: int = 60
    # The standby's own schedule: a second, independent trigger, a little later than the primary's.
    standby_lead_s: int = 75
    # Neither waits in Lambda for the minutes the scheduler's grid leaves: each relays itself
    # through the wake queue (SQS, a per-message delay to the second, at most 15 minutes) and
    # runs from `run_lead_s` before the instant (the standby `standby_lag_s` after the primary:
    # the primary claims, the standby finds it holding the snipe and stands by).
    run_lead_s: float = 15.0
    standby_lag_s: float = 1.0
    # A wake closer than this is not worth a relay: run now and wait the rest.
    relay_min_s: float = 3.0
    # SQS's largest DelaySeconds: a longer wait is relayed more than once.
    relay_max_s: int = 900
    # Re-read the auction, refresh the token, warm and measure the connection this long before.
    prepare_lead_s: float = 8.0
    # Move to BIDDING (the bid may leave from now on) this long before sending.
    bidding_lead_s: float = 1.0
    # From this long before the firing instant, the lease is short and renewed often, so a
    # standby notices a dead primary within about `short_lease_ms`.
    critical_lead_s: float = 12.0
    long_lease_ms: int = 30_000
    short_lease_ms: int = 1_500
    short_renew_ms: int = 500
    # No renewal write in this window before a send: the shot must not queue behind one.
    quiet_before_send_ms: int = 300
    # A lease is trusted by its holder only while this much of it is left (clock skew between
    # two functions, plus the time between the check and the send) ...
    send_safety_ms: int = 200
    # ... and taken over by another only once it has been expired this long.
    takeover_skew_ms: int = 100
    # How often a standby reads the lease: rarely while far from the instant, often near it.
    watch_far_ms: int = 2_000
    watch_near_ms: int = 250
    # After the close: wait this long before asking eBay who won, and ask for this long at most.
    settle_grace_s: float = 2.0
    settle_timeout_s: float = 60.0
    # A snipe must leave this much time between now and its firing instant to be accepted.
    min_lead_ms: int = 5_000
    # Never send when the bid would arrive less than this before the close.
    send_margin_ms: int = 5


DEFAULT: Final = Timing()


# ---------------------------------------------------------------------- waking up
def grid_floor_ms(instant_ms: int, precision_s: int) -> int:
    step = precision_s * 1000
    return instant_ms - instant_ms % step


def primary_wake_ms(close_ms: int, timing: Timing = DEFAULT) -> int:
    """When the primary's one-time schedule is set to fire (it may arrive a grid step later)."""
    return grid_floor_ms(close_ms - timing.schedule_lead_s * 1000, timing.schedule_precision_s)


def standby_wake_ms(close_ms: int, timing: Timing = DEFAULT) -> int:
    """When the standby's schedule is set to fire: never before the primary's."""
    standby = grid_floor_ms(close_ms - timing.standby_lead_s * 1000, timing.schedule_precision_s)
    return max(standby, primary_wake_ms(close_ms, timing))


def run_wake_ns(target: int, timing: Timing = DEFAULT, *, standby: bool = False) -> int:
    """When an executor run should start: early enough for a cold start and the preparation
    (`prepare_ns`), late enough not to pay for waiting."""
    lag = timing.standby_lag_s if standby else 0.0
    return target - round((timing.run_lead_s - lag) * NS_PER_S)


def relay_delay_s(
    now: int, wake: int, timing: Timing = DEFAULT, *, standby: bool = False
) -> int | None:
    """How long to relay for (whole seconds, at most `relay_max_s`), or None: run now.

    SQS keeps delays to the whole second. The primary's rounds down (it runs up to a second
    early, never late), the standby's rounds up (never early): the two, a second apart, cannot
    swap on the way however their relays fell within their seconds."""
    left_s = (wake - now) / NS_PER_S
    if left_s < timing.relay_min_s:
        return None
    whole = math.ceil(left_s) if standby else int(left_s)
    return min(whole, timing.relay_max_s)


def changes_close_ms(close_ms: int, timing: Timing = DEFAULT) -> int:
    """From this instant the executor may hold the snipe, and the API refuses changes."""
    return primary_wake_ms(close_ms, timing)


# ---------------------------------------------------------------------- one snipe's run
def close_ns(close_ms: int) -> int:
    return close_ms * NS_PER_MS


def target_ns(close_ms: int, offset_s: float) -> int:
    """When the bid should reach eBay."""
    return close_ms * NS_PER_MS - round(offset_s * NS_PER_S)


def target_ms(close_ms: int, offset_s: float) -> int:
    return close_ms - round(offset_s * 1000)


def send_ns(target: int, one_way_latency_ns: int) -> int:
    """When the bid leaves, so that it arrives at `target`."""
    return target - one_way_latency_ns


def prepare_ns(target: int, timing: Timing = DEFAULT) -> int:
    return target - round(timing.prepare_lead_s * NS_PER_S)


def bidding_ns(send: int, timing: Timing = DEFAULT) -> int:
    return send - round(timing.bidding_lead_s * NS_PER_S)


def critical_ns(target: int, timing: Timing = DEFAULT) -> int:
    return target - round(timing.critical_lead_s * NS_PER_S)


def settle_ns(close: int, timing: Timing = DEFAULT) -> int:
    """When the outcome is first asked for."""
    return close + round(timing.settle_grace_s * NS_PER_S)


def settle_deadline_ns(close: int, timing: Timing = DEFAULT) -> int:
    return close + round(timing.settle_timeout_s * NS_PER_S)


def can_send(now: int, one_way_latency_ns: int, close: int, timing: Timing = DEFAULT) -> bool:
    """Would a bid sent now arrive before the close (by the margin)?"""
    return now + one_way_latency_ns + timing.send_margin_ms * NS_PER_MS < close


def accepts_new(close_ms: int, offset_s: float, now_ms: int, timing: Timing = DEFAULT) -> bool:
    """May a snipe (or a change of its offset) be accepted now?"""
    return target_ms(close_ms, offset_s) - now_ms >= timing.min_lead_ms


# ---------------------------------------------------------------------- leases
def near_instant(now_ms: int, target_ms_: int, close_ms: int, timing: Timing = DEFAULT) -> bool:
    """Inside the critical window (from `critical_lead_s` before the instant to the close), where
    leases are short so that a dead holder is noticed in time."""
    return target_ms_ - round(timing.critical_lead_s * 1000) <= now_ms <= close_ms


def lease_until_ms(now_ms: int, target_ms_: int, close_ms: int, timing: Timing = DEFAULT) -> int:
    """How long a lease taken or renewed now lasts: long while far from the instant, short near
    it (a standby must notice a dead holder in time). A long lease never reaches further into
    the critical window than a short one would: a holder dying just before it leaves no lease
    that outlasts the instant."""
    if near_instant(now_ms, target_ms_, close_ms, timing):
        return now_ms + timing.short_lease_ms
    critical = target_ms_ - round(timing.critical_lead_s * 1000)
    if now_ms < critical:
        return min(now_ms + timing.long_lease_ms, critical + timing.short_lease_ms)
    return now_ms + timing.long_lease_ms


def renew_after_ms(
    lease_until: int, now_ms: int, target_ms_: int, close_ms: int, timing: Timing = DEFAULT
) -> int:
    """When the holder renews next: every `short_renew_ms` near the instant; a third into a long
    lease otherwise, and no later than the start of the critical window (where it turns short)."""
    if near_instant(now_ms, target_ms_, close_ms, timing):
        return min(lease_until - timing.send_safety_ms, now_ms + timing.short_renew_ms)
    at = min(now_ms + timing.long_lease_ms // 3, lease_until - timing.send_safety_ms)
    critical = target_ms_ - round(timing.critical_lead_s * 1000)
    return min(at, critical) if now_ms < critical else at


def holds(lease_until: int | None, now_ms: int, timing: Timing = DEFAULT) -> bool:
    """May the holder still act on its lease (send a bid)?"""
    return lease_until is not None and now_ms + timing.send_safety_ms < lease_until


def abandoned(lease_until: int | None, now_ms: int, timing: Timing = DEFAULT) -> bool:
    """May someone else take the lease over? Disjoint from `holds` by safety + skew."""
    return lease_until is None or now_ms > lease_until + timing.takeover_skew_ms


def shot_lease_ms(send_ms: int, timing: Timing = DEFAULT) -> int:
    """The lease written just before the quiet window: it covers the send without a renewal."""
    return send_ms + timing.short_lease_ms


def watch_interval_ms(now_ms: int, target_ms_: int, timing: Timing = DEFAULT) -> int:
    critical = target_ms_ - round(timing.critical_lead_s * 1000)
    if now_ms < critical:
        return min(timing.watch_far_ms, max(timing.watch_near_ms, critical - now_ms))
    return timing.watch_near_ms
