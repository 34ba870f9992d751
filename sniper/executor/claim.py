"""The claim: which executor invocation may act on a snipe, held as a lease in the snipe itself.

Every write is conditional on the snipe's version, so two invocations can never both believe
they hold it: the loser of a race sees `Conflict` and stops. A lease is renewed while its holder
works (`heartbeat`); one that was not renewed in time belongs to a dead invocation and may be
taken over: same state, new owner, next version.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from typing import Any

import msgspec

from sniper.domain.errors import Conflict, NotFound
from sniper.domain.snipe import Snipe, SnipeStatus
from sniper.executor.timing import NS_PER_MS, Clock
from sniper.storage.snipes import SnipesRepository

log = logging.getLogger(__name__)

S = SnipeStatus
# States an executor works on; SCHEDULED is claimed, the others are taken over when abandoned.
_IN_FLIGHT = frozenset({S.ARMED, S.BIDDING, S.PLACED})


class LeaseLost(Exception):
    """Someone else wrote the snipe (a takeover, or the user cancelled it): stop at once."""


class Refusal(enum.StrEnum):
    GONE = "gone"  # deleted
    SETTLED = "settled"  # terminal already
    HELD = "held"  # another invocation holds a live lease


class Claim:
    """The snipe as this invocation holds it; every change is a conditional write."""

    def __init__(
        self, snipes: SnipesRepository, snipe: Snipe, owner: str, lease_ms: int, clock: Clock
    ) -> None:
        self.snipes = snipes
        self.snipe = snipe
        self.owner = owner
        self.lease_ms = lease_ms
        self.clock = clock
        self.lost = asyncio.Event()
        self._lock = asyncio.Lock()

    def _now_ms(self) -> int:
        return self.clock.now_ns() // NS_PER_MS

    async def write(self, change: Callable[[Snipe], Snipe]) -> Snipe:
        async with self._lock:
            if self.lost.is_set():
                raise LeaseLost("the lease was lost")
            current = self.snipe
            updated = change(current)
            try:
                await self.snipes.save(updated, expected_version=current.version)
            except Conflict:
                self.lost.set()
                raise LeaseLost("the snipe was changed by someone else") from None
            self.snipe = updated
            return updated

    async def move(
        self,
        target: SnipeStatus,
        *,
        reason: str | None = None,
        lease_until_ms: int | None = None,
        **fields: Any,
    ) -> Snipe:
        now = self._now_ms()

        def change(snipe: Snipe) -> Snipe:
            moved = snipe.moved_to(target, now_ms=now, reason=reason)
            expires = lease_until_ms if lease_until_ms is not None else snipe.lease_expires_ms
            return msgspec.structs.replace(moved, lease_expires_ms=expires, **fields)

        return await self.write(change)

    async def renew(self, until_ms: int | None = None) -> Snipe:
        now = self._now_ms()
        expires = until_ms if until_ms is not None else now + self.lease_ms
        return await self.write(
            lambda s: msgspec.structs.replace(
                s, lease_expires_ms=expires, version=s.version + 1, updated_ms=now
            )
        )

    async def adopt(self, **fields: Any) -> Snipe:
        """Change facts about the snipe (a moved auction end) without changing its state."""
        now = self._now_ms()
        return await self.write(
            lambda s: msgspec.structs.replace(s, version=s.version + 1, updated_ms=now, **fields)
        )

    async def release(self) -> None:
        """Let the next invocation take over at once (best effort: used on the way out)."""
        if self.lost.is_set() or self.snipe.is_terminal:
            return
        try:
            await self.renew(self._now_ms())
        except Exception:  # already failing; the lease expires on its own anyway
            log.warning("could not release the lease of %s", self.snipe.bid_id)

    async def pause_until(self, target_ns: int) -> None:
        """Sleep (coarsely) until `target_ns`; raise LeaseLost as soon as the lease is lost."""
        left = target_ns - self.clock.now_ns()
        if self.lost.is_set():
            raise LeaseLost("the lease was lost")
        if left <= 0:
            return
        sleeping = asyncio.ensure_future(self.clock.sleep(left / 1e9))
        watching = asyncio.ensure_future(self.lost.wait())
        try:
            await asyncio.wait({sleeping, watching}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            watching.cancel()
        if self.lost.is_set():
            raise LeaseLost("the lease was lost")

    async def heartbeat(self) -> None:
        """Renew the lease before it runs out, until cancelled or lost."""
        period = self.lease_ms / 3 / 1000
        while not self.lost.is_set():
            await self.clock.sleep(period)
            if self.snipe.is_terminal:
                return
            expires = self.snipe.lease_expires_ms or 0
            # A lease set far ahead (while firing) needs no renewal; avoid writes near the bid.
            if expires - self._now_ms() > self.lease_ms * 2 // 3:
                continue
            try:
                await self.renew()
            except LeaseLost:
                return


async def acquire(
    snipes: SnipesRepository,
    user_id: str,
    bid_id: str,
    *,
    owner: str,
    lease_ms: int,
    clock: Clock,
) -> Claim | Refusal:
    """Claim a SCHEDULED snipe or take over an abandoned one; otherwise say why not."""
    for _ in range(5):
        try:
            snipe = await snipes.get(user_id, bid_id)
        except NotFound:
            return Refusal.GONE
        if snipe.is_terminal:
            return Refusal.SETTLED
        now = clock.now_ns() // NS_PER_MS
        held = (
            snipe.status in _IN_FLIGHT
            and snipe.lease_owner is not None
            and (snipe.lease_expires_ms or 0) > now
        )
        if held:
            return Refusal.HELD
        if snipe.status == S.SCHEDULED:
            claimed = snipe.moved_to(S.ARMED, now_ms=now)
        else:
            claimed = msgspec.structs.replace(snipe, version=snipe.version + 1, updated_ms=now)
        claimed = msgspec.structs.replace(
            claimed, lease_owner=owner, lease_expires_ms=now + lease_ms
        )
        try:
            await snipes.save(claimed, expected_version=snipe.version)
        except Conflict:
            continue  # someone else wrote first: look again
        if snipe.status != S.SCHEDULED:
            log.info("took over %s (%s) from %s", bid_id, snipe.status, snipe.lease_owner)
        return Claim(snipes, claimed, owner, lease_ms, clock)
    return Refusal.HELD
