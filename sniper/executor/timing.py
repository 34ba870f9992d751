"""Waiting for the instant. The executor reads the time and sleeps through a Clock
(sniper/clock.py), so tests can drive it.

Firing precision comes from `wait_until`: a coarse `asyncio.sleep` to a few milliseconds before
the instant, then yielding to the loop, then a busy wait for the last millisecond (the event loop's
timer is only as precise as its clock and scheduling, the busy wait on `time.time_ns` is not).
"""

from __future__ import annotations

from sniper.clock import NS_PER_MS, NS_PER_S, Clock

# Below these, the coarse sleep hands over to yielding, and yielding to spinning.
COARSE_MARGIN_NS = 4 * NS_PER_MS
SPIN_MARGIN_NS = 1 * NS_PER_MS


async def wait_until(clock: Clock, target_ns: int) -> int:
    """Return at `target_ns` (never before); returns how late, in ns."""
    while True:
        left = target_ns - clock.now_ns()
        if left <= 0:
            return -left
        if left > COARSE_MARGIN_NS:
            await clock.sleep((left - COARSE_MARGIN_NS) / NS_PER_S)
        elif left > SPIN_MARGIN_NS:
            await clock.sleep(0)  # let the loop run other work while little time is left
        else:
            now = clock.now_ns()
            while now < target_ns:  # the last millisecond: spin
                now = clock.now_ns()
            return now - target_ns
