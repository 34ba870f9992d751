"""The named steps of one executor run, where an observer (a test, the local stack's crash
injection, metrics) may look in: `Hooks.step(step, snipe)` is awaited at each."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable

from sniper.domain.snipe import Snipe


class Step(enum.StrEnum):
    CLAIMED = "claimed"  # the lease is ours
    WAITING = "waiting"  # prepared or preparing, sleeping towards the instant
    BEFORE_FIRE = "before_fire"  # one second before the bid leaves
    SENT = "sent"  # eBay answered the bid; nothing recorded yet
    BEFORE_SETTLE_WRITE = "before_settle_write"  # the outcome is known, not yet written
    SETTLED = "settled"  # the final state is written; the email is not yet handed on


StepHook = Callable[[Step, Snipe], Awaitable[None]]
