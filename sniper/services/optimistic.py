"""Read, change, write on the condition that nothing changed, and start over if something did.

Every change to a stored item is a conditional write on what was read (its version, its
claimant): a writer that lost the race gets StaleWrite and tries again from a fresh read, a
bounded number of times. Past that the item is too busy, and the caller is told to try again
(Conflict: a 409). Nothing is read-modify-written blind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from sniper.domain.errors import Conflict
from sniper.services.ports.stores import StaleWrite

S = TypeVar("S")
R = TypeVar("R")

ATTEMPTS: Final = 4


async def optimistic_update(
    read: Callable[[], Awaitable[S]],
    write: Callable[[S], Awaitable[R]],
    *,
    what: str,
    current: S | None = None,
) -> R:
    """`write(read())`, read again and written again while the write is stale. `current`: what
    the caller already read, used for the first try. `what` names the item for the 409."""
    for _ in range(ATTEMPTS):
        if current is None:
            current = await read()
        try:
            return await write(current)
        except StaleWrite:
            current = None
    raise Conflict(f"{what} kept changing; try again")
