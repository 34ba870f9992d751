"""Cancelling a snipe: a conditional write to CANCELLED, then its schedule is removed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sniper.clock import Clock, now_ms
from sniper.domain.errors import IllegalTransition
from sniper.domain.snipe import CANCELLABLE, Snipe, SnipeStatus
from sniper.services.optimistic import optimistic_update
from sniper.services.ports.stores import SnipeStore

if TYPE_CHECKING:
    from sniper.scheduling import SnipeUnscheduler


async def cancel_snipe(
    snipes: SnipeStore,
    scheduler: SnipeUnscheduler,
    snipe: Snipe,
    *,
    reason: str,
    clock: Clock,
) -> Snipe:
    """CANCELLED (already cancelled is fine); a snipe past the point of no return is a 409.

    If the executor (or another request) moved it meanwhile, decide again on what is there."""

    async def cancel(current: Snipe) -> Snipe:
        if current.status == SnipeStatus.CANCELLED:
            return current
        cancelled = current.moved_to(SnipeStatus.CANCELLED, now_ms=now_ms(clock), reason=reason)
        saved = await snipes.save(cancelled, expected_version=current.version)
        # Unschedule after the write: a schedule firing in between finds CANCELLED and stops.
        await scheduler.unschedule(saved)
        return saved

    return await optimistic_update(
        lambda: snipes.get(snipe.user_id, snipe.bid_id), cancel, what="the snipe", current=snipe
    )


async def cancel_pending(
    snipes: SnipeStore,
    scheduler: SnipeUnscheduler,
    user_id: str,
    *,
    reason: str,
    clock: Clock,
) -> list[Snipe]:
    """Cancel every snipe of the user that can still be cancelled; returns those cancelled."""
    cancelled: list[Snipe] = []
    for snipe in await snipes.all_for_user(user_id):
        if snipe.status not in CANCELLABLE:
            continue
        try:
            cancelled.append(
                await cancel_snipe(snipes, scheduler, snipe, reason=reason, clock=clock)
            )
        except IllegalTransition:
            continue  # the executor got there first: the bid is already on its way
    return cancelled
