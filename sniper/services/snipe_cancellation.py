"""Cancelling a snipe: a conditional write to CANCELLED, then its schedule is removed."""

from __future__ import annotations

from sniper.domain.errors import Conflict, IllegalTransition
from sniper.domain.snipe import CANCELLABLE, Snipe, SnipeStatus
from sniper.scheduling import SnipeUnscheduler
from sniper.services.clock import ClockMs
from sniper.storage.snipes import SnipesRepository

_ATTEMPTS = 4


async def cancel_snipe(
    snipes: SnipesRepository,
    scheduler: SnipeUnscheduler,
    snipe: Snipe,
    *,
    reason: str,
    clock_ms: ClockMs,
) -> Snipe:
    """CANCELLED (already cancelled is fine); a snipe past the point of no return is a 409."""
    current = snipe
    for _ in range(_ATTEMPTS):
        if current.status == SnipeStatus.CANCELLED:
            return current
        cancelled = current.moved_to(SnipeStatus.CANCELLED, now_ms=clock_ms(), reason=reason)
        try:
            saved = await snipes.save(cancelled, expected_version=current.version)
        except Conflict:
            # The executor (or another request) moved it; decide again on what is there now.
            current = await snipes.get(current.user_id, current.bid_id)
            continue
        # Unschedule after the write: a schedule firing in between finds CANCELLED and stops.
        await scheduler.unschedule(saved)
        return saved
    raise Conflict("the snipe kept changing; try again")


async def cancel_pending(
    snipes: SnipesRepository,
    scheduler: SnipeUnscheduler,
    user_id: str,
    *,
    reason: str,
    clock_ms: ClockMs,
) -> list[Snipe]:
    """Cancel every snipe of the user that can still be cancelled; returns those cancelled."""
    cancelled: list[Snipe] = []
    for snipe in await snipes.all_for_user(user_id):
        if snipe.status not in CANCELLABLE:
            continue
        try:
            cancelled.append(
                await cancel_snipe(snipes, scheduler, snipe, reason=reason, clock_ms=clock_ms)
            )
        except IllegalTransition:
            continue  # the executor got there first: the bid is already on its way
    return cancelled
