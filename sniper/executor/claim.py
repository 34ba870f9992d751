"""The claim: which executor invocation may act on a snipe, held as a lease in the snipe itself.

Every write is conditional on the snipe's version, so two invocations can never both believe
they hold it: the loser of a race sees `Conflict` and stops. The holder renews its lease while it
works (`heartbeat`), often and briefly near the firing instant (sniper/domain/instants.py), so a
standby can tell a dead holder from a live one within about a second. Leases are also fenced in
time: the holder acts only while `instants.holds` says its lease has safety left, and anyone else
takes over only once `instants.abandoned` says it has been expired for a while; the two never
overlap (docs/exactly-once.md).

A write whose answer was lost may still have landed: the next conditional write then fails, and
the claim reads the snipe back: if what is stored is exactly what this claim wrote, it carries on.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from typing import Any

import msgspec

from sniper.clock import NS_PER_MS, Clock
from sniper.domain import instants
from sniper.domain.errors import Conflict, NotFound, UpstreamUnavailable
from sniper.domain.instants import Timing
from sniper.domain.snipe import Snipe, SnipeStatus
from sniper.services.ports.stores import SnipeStore

log = logging.getLogger(__name__)

S = SnipeStatus
# States an executor works on; SCHEDULED is claimed, the others are taken over when abandoned.
IN_FLIGHT = frozenset({S.ARMED, S.BIDDING, S.PLACED})
# How long before its send the shot stops waiting for the write that stretches the lease over
# it: more than the 4 ms in which `wait_until` stops sleeping (sniper/executor/timing.py).
COVER_WAIT_MARGIN_NS = 10 * NS_PER_MS


class LeaseLost(Exception):
    """Someone else wrote the snipe (a takeover, or the user cancelled it): stop at once."""


class Refusal(enum.StrEnum):
    GONE = "gone"  # deleted
    SETTLED = "settled"  # terminal already
    HELD = "held"  # another invocation holds a live lease


def _same_write(stored: Snipe, intended: Snipe) -> bool:
    return stored == intended


class Claim:
    """The snipe as this invocation holds it; every change is a conditional write."""

    def __init__(
        self,
        snipes: SnipeStore,
        snipe: Snipe,
        owner: str,
        clock: Clock,
        timing: Timing = instants.DEFAULT,
        *,
        took_over: bool = False,
    ) -> None:
        self.snipes = snipes
        self.snipe = snipe
        self.took_over = took_over  # from an invocation that died (or stopped renewing)
        self.owner = owner
        self.clock = clock
        self.timing = timing
        self.lost = asyncio.Event()
        self._lock = asyncio.Lock()
        self._quiet: tuple[int, int] | None = None  # no renewal writes in [from, to] (ns)

    def _now_ms(self) -> int:
        return self.clock.now_ns() // NS_PER_MS

    @property
    def target_ms(self) -> int:
        return instants.target_ms(self.snipe.auction_end_ms, self.snipe.offset_seconds)

    def holds(self, at_ms: int | None = None) -> bool:
        """May this invocation still act (send a bid) on its lease, now or `at_ms`, as far as
        it knows?"""
        at = self._now_ms() if at_ms is None else at_ms
        return not self.lost.is_set() and instants.holds(
            self.snipe.lease_expires_ms, at, self.timing
        )

    # ------------------------------------------------------------------ writes
    async def write(self, change: Callable[[Snipe], Snipe]) -> Snipe:
        async with self._lock:
            if self.lost.is_set():
                raise LeaseLost("the lease was lost")
            current = self.snipe
            updated = change(current)
            try:
                await self.snipes.save(updated, expected_version=current.version)
            except Conflict:
                if not await self._landed(updated):
                    self.lost.set()
                    raise LeaseLost("the snipe was changed by someone else") from None
            self.snipe = updated
            return updated

    async def _landed(self, intended: Snipe) -> bool:
        """After a Conflict: did our own earlier attempt of this very write land?"""
        try:
            stored = await self.snipes.get(intended.user_id, intended.bid_id)
        except (NotFound, UpstreamUnavailable):
            return False
        if _same_write(stored, intended):
            log.info("snipe %s: a write whose answer was lost had landed", intended.bid_id)
            return True
        return False

    def _lease_until(self, now_ms: int) -> int:
        return instants.lease_until_ms(
            now_ms, self.target_ms, self.snipe.auction_end_ms, self.timing
        )

    async def move(
        self,
        target: SnipeStatus,
        *,
        reason: str | None = None,
        notify: bool = False,
        lease_until_ms: int | None = None,
        **fields: Any,
    ) -> Snipe:
        now = self._now_ms()
        expires = lease_until_ms if lease_until_ms is not None else self._lease_until(now)

        def change(snipe: Snipe) -> Snipe:
            moved = snipe.moved_to(target, now_ms=now, reason=reason, notify=notify)
            return msgspec.structs.replace(moved, lease_expires_ms=expires, **fields)

        return await self.write(change)

    async def renew(self, until_ms: int | None = None) -> Snipe:
        now = self._now_ms()
        expires = until_ms if until_ms is not None else self._lease_until(now)
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

    async def cover_shot(self, send_ns: int) -> None:
        """Before the quiet window: make the lease outlast the send, then write nothing until
        the bid has left (a renewal in flight must not delay the shot).

        Nor may this write delay it where it need not: a store slow or throttled at that moment
        would make the bid late. If the write has not landed `COVER_WAIT_MARGIN_NS` before the
        send and the lease already held still covers the send, the shot goes on that lease
        (`holds` is checked again before each send) and the write finishes in the background,
        ahead of any later write (they share the lock). A lease that ends before the send (an
        executor already late) leaves nothing but to wait for the write."""
        send_ms = send_ns // NS_PER_MS
        needed = instants.shot_lease_ms(send_ms, self.timing)
        self._quiet = (send_ns - self.timing.quiet_before_send_ms * NS_PER_MS, send_ns)
        if (self.snipe.lease_expires_ms or 0) >= needed:
            return
        cover = asyncio.ensure_future(self.renew(needed))
        left_s = (send_ns - COVER_WAIT_MARGIN_NS - self.clock.now_ns()) / 1e9
        waiting = asyncio.ensure_future(self.clock.sleep(max(0.0, left_s)))
        try:
            await asyncio.wait({cover, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if not cover.done() and not self.holds(max(send_ms, self._now_ms())):
                await asyncio.wait({cover})
        except asyncio.CancelledError:
            cover.cancel()  # the invocation is ending: its writes end with it
            raise
        finally:
            waiting.cancel()
        if cover.done():
            error = cover.exception()
            if error is not None and not isinstance(error, UpstreamUnavailable):
                raise error  # the lease lost, or worse: as if the write had been awaited
            self._covered(cover)
        else:
            log.warning(
                "snipe %s: the lease write is slow; firing on the lease held", self.snipe.bid_id
            )
            cover.add_done_callback(self._covered)

    def _covered(self, cover: asyncio.Future[Snipe]) -> None:
        """The cover write's end: a lost lease is already known (`lost`); a store that failed
        leaves the lease held as it was, which `holds` judges before each send."""
        if cover.cancelled():
            return
        error = cover.exception()
        if isinstance(error, UpstreamUnavailable):
            log.warning("snipe %s: could not stretch the lease over the shot", self.snipe.bid_id)
        elif error is not None and not isinstance(error, LeaseLost):
            log.error("snipe %s: the lease write failed", self.snipe.bid_id, exc_info=error)

    def shot_left(self) -> None:
        """The bid has left: renewals may resume."""
        self._quiet = None

    async def release(self) -> None:
        """Let the next invocation take over at once (best effort: used on the way out)."""
        if self.lost.is_set() or self.snipe.is_terminal:
            return
        try:
            await self.renew(self._now_ms() - self.timing.takeover_skew_ms - 1)
        except Exception:  # already failing; the lease expires on its own anyway
            log.warning("could not release the lease of %s", self.snipe.bid_id)

    # ------------------------------------------------------------------ waiting
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

    def _next_renewal_ns(self) -> int:
        now = self._now_ms()
        until = self.snipe.lease_expires_ms or now
        at = (
            instants.renew_after_ms(
                until, now, self.target_ms, self.snipe.auction_end_ms, self.timing
            )
            * NS_PER_MS
        )
        quiet = self._quiet
        if quiet is not None and quiet[0] <= at <= quiet[1]:
            return quiet[1]
        return at

    async def heartbeat(self) -> None:
        """Renew the lease before it runs out, until cancelled, lost or settled."""
        while not self.lost.is_set():
            await self.clock.sleep(max(0, self._next_renewal_ns() - self.clock.now_ns()) / 1e9)
            if self.snipe.is_terminal:
                return
            quiet = self._quiet
            now = self.clock.now_ns()
            if quiet is not None and quiet[0] <= now <= quiet[1]:
                continue
            if self._next_renewal_ns() > now + NS_PER_MS:
                continue  # someone else (a move) renewed meanwhile
            try:
                await self.renew()
            except LeaseLost:
                return
            except UpstreamUnavailable:
                # The SDK retried already; try again at the next turn (the lease may lapse, and
                # then this invocation stops acting on it: `holds` is checked before a send).
                log.warning("snipe %s: could not renew the lease", self.snipe.bid_id)
                await self.clock.sleep(self.timing.short_renew_ms / 1000)


async def peek(snipes: SnipeStore, user_id: str, bid_id: str) -> Snipe | Refusal:
    """The snipe as stored (without claiming it), or why there is nothing to do."""
    try:
        return await snipes.get(user_id, bid_id)
    except NotFound:
        return Refusal.GONE


async def acquire(
    snipes: SnipeStore,
    user_id: str,
    bid_id: str,
    *,
    owner: str,
    clock: Clock,
    timing: Timing = instants.DEFAULT,
) -> Claim | Refusal:
    """Claim a SCHEDULED snipe or take over an abandoned one; otherwise say why not."""
    for _ in range(5):
        found = await peek(snipes, user_id, bid_id)
        if isinstance(found, Refusal):
            return found
        snipe = found
        if snipe.is_terminal:
            return Refusal.SETTLED
        now = clock.now_ns() // NS_PER_MS
        held = (
            snipe.status in IN_FLIGHT
            and snipe.lease_owner is not None
            and not instants.abandoned(snipe.lease_expires_ms, now, timing)
        )
        if held:
            return Refusal.HELD
        if snipe.status == S.SCHEDULED:
            claimed = snipe.moved_to(S.ARMED, now_ms=now)
        else:
            claimed = msgspec.structs.replace(snipe, version=snipe.version + 1, updated_ms=now)
        target = instants.target_ms(snipe.auction_end_ms, snipe.offset_seconds)
        claimed = msgspec.structs.replace(
            claimed,
            lease_owner=owner,
            lease_expires_ms=instants.lease_until_ms(now, target, snipe.auction_end_ms, timing),
        )
        try:
            await snipes.save(claimed, expected_version=snipe.version)
        except Conflict:
            continue  # someone else wrote first: look again
        if snipe.status != S.SCHEDULED:
            log.info("took over %s (%s) from %s", bid_id, snipe.status, snipe.lease_owner)
        return Claim(snipes, claimed, owner, clock, timing, took_over=snipe.status != S.SCHEDULED)
    return Refusal.HELD
