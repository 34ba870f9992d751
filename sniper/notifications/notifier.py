"""The notification use case: one event -> at most one email, as the user chose, exactly once.

The recipient is the user's email in the Users table (never an address from the event). A user
who turned a kind of email off gets nothing; a user who no longer exists gets nothing.

Outcome emails are idempotent per snipe and outcome (docs/exactly-once.md): the notifier claims a
notice record (storage/notices.py) before it sends, sends with the record's key as Postmark
metadata, and marks the record SENT. A retried invocation (the mail was accepted but the answer
was lost, or the process died after sending) finds the claim; once the claim is old enough that
no send can still be in flight, it asks Postmark whether a message with that key exists, and
only sends when none does.
"""

from __future__ import annotations

import enum
import logging
import secrets
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass

import msgspec

from sniper.clock import SYSTEM_CLOCK, Clock, now_ms
from sniper.domain.errors import NotFound, UpstreamUnavailable
from sniper.domain.snipe import SnipeStatus
from sniper.events import LinkNeedsRenewal, NotifierEvent, SnipeOutcome
from sniper.notifications.mailer import Mailer, Undeliverable
from sniper.notifications.messages import AffectedSnipe, choice_for, render, wanted
from sniper.services.ports.stores import (
    HistoryStore,
    Notice,
    NoticeState,
    NoticeStore,
    SnipeStore,
    StaleWrite,
    UserStore,
)

log = logging.getLogger(__name__)

# A renewal email lists at most this many pending snipes by name.
MAX_LISTED_SNIPES = 25
# A claim younger than this may belong to a send still in flight (the mail client's timeout is
# 10 s); an older one belongs to an invocation that died or lost its answer.
IN_FLIGHT_MS = 30_000


class Delivery(enum.StrEnum):
    SENT = "sent"
    ALREADY_SENT = "already_sent"  # a retried or duplicate event: told once already
    NOT_WANTED = "not_wanted"  # the user turned this kind of email off
    UNKNOWN_OUTCOME = "unknown_outcome"  # an outcome no email exists for
    NO_RECIPIENT = "no_recipient"  # the user is gone or has no email address
    UNDELIVERABLE = "undeliverable"  # Postmark refuses this recipient for good


class NotifyResult(msgspec.Struct, frozen=True, kw_only=True):
    delivery: Delivery
    tag: str | None = None
    message_id: str | None = None


def log_keys(event: NotifierEvent, result: NotifyResult) -> dict[str, object]:
    """What a log line says of a handled event: ids and kinds, never an address or a token."""
    about: dict[str, object]
    match event:
        case SnipeOutcome(outcome=outcome):
            about = {"bid_id": event.bid_id, "outcome": outcome}
        case LinkNeedsRenewal(reason=reason):
            about = {"renewal": reason, "affected": len(event.affected_bid_ids)}
    return {"user_id": event.user_id, "delivery": result.delivery.value, **about}


class SendInFlight(UpstreamUnavailable):
    """Another invocation claimed this email moments ago: let Lambda retry this one later."""


@dataclass(frozen=True)
class Notifier:
    users: UserStore
    mailer: Mailer
    _: KW_ONLY
    snipes: SnipeStore
    notices: NoticeStore
    history: HistoryStore
    clock: Clock = SYSTEM_CLOCK

    async def notify(self, event: NotifierEvent) -> NotifyResult:
        if choice_for(event) is None:
            return NotifyResult(delivery=Delivery.UNKNOWN_OUTCOME)
        if isinstance(event, SnipeOutcome):
            return await self._once(event)
        return await self._deliver(event)

    # ------------------------------------------------------------------ exactly once
    async def _once(self, event: SnipeOutcome) -> NotifyResult:
        outcome = event.outcome.upper()
        claim = Notice(
            user_id=event.user_id,
            bid_id=event.bid_id,
            outcome=outcome,
            state=NoticeState.SENDING,
            claimant=secrets.token_hex(8),
            claimed_ms=now_ms(self.clock),
        )
        if await self.notices.claim(claim) is None:
            found = await self.notices.get(event.user_id, event.bid_id, outcome)
            if found is None:
                raise UpstreamUnavailable("the notice record vanished meanwhile; retry")
            if found.done:
                return NotifyResult(delivery=Delivery.ALREADY_SENT, message_id=found.message_id)
            if now_ms(self.clock) - found.claimed_ms < IN_FLIGHT_MS:
                raise SendInFlight(f"the {outcome} email of {event.bid_id} is being sent")
            if await self.mailer.was_sent(found.key):
                # Sent by an invocation that never learned it: record it, send nothing.
                await self._close(found, NoticeState.SENT, None, event)
                return NotifyResult(delivery=Delivery.ALREADY_SENT)
            claim = msgspec.structs.replace(claim, claimed_ms=now_ms(self.clock))
            try:
                claim = await self.notices.replace(found, claim)
            except StaleWrite:
                raise SendInFlight("another invocation took this email over") from None
        result = await self._deliver(event, key=claim.key)
        state = NoticeState.SENT if result.delivery == Delivery.SENT else NoticeState.SKIPPED
        await self._close(claim, state, result.message_id, event)
        return result

    async def _close(
        self,
        claim: Notice,
        state: NoticeState,
        message_id: str | None,
        event: SnipeOutcome,
    ) -> None:
        now = now_ms(self.clock)
        done = msgspec.structs.replace(claim, state=state, message_id=message_id, done_ms=now)
        try:
            await self.notices.replace(claim, done)
        except StaleWrite:
            log.warning("the %s email of %s was settled by another invocation", claim.outcome,
                        claim.bid_id)  # fmt: skip
        if state == NoticeState.SENT and claim.outcome != SnipeStatus.PLACED:
            # The outcome is final: its history entry notes when the user was told.
            await self.history.mark_emailed(event.user_id, event.bid_id, now)

    # ------------------------------------------------------------------ one email
    async def _deliver(self, event: NotifierEvent, *, key: str | None = None) -> NotifyResult:
        user = await self.users.get(event.user_id)
        if user is None or not user.email:
            return NotifyResult(delivery=Delivery.NO_RECIPIENT)
        if not wanted(event, user.preferences.notifications):
            return NotifyResult(delivery=Delivery.NOT_WANTED)
        affected: Sequence[AffectedSnipe] = ()
        if isinstance(event, LinkNeedsRenewal) and event.affected_bid_ids:
            affected = await self._pending(event.user_id, event.affected_bid_ids)
        message = render(event, name=user.name, affected=affected)
        try:
            message_id = await self.mailer.send(user.email, message, key=key)
        except Undeliverable:
            return NotifyResult(delivery=Delivery.UNDELIVERABLE, tag=message.tag)
        return NotifyResult(delivery=Delivery.SENT, tag=message.tag, message_id=message_id)

    async def _pending(self, user_id: str, bid_ids: Sequence[str]) -> list[AffectedSnipe]:
        """The named snipes that still wait to fire, soonest first."""
        found: list[AffectedSnipe] = []
        for bid_id in bid_ids[:MAX_LISTED_SNIPES]:
            try:
                snipe = await self.snipes.get(user_id, bid_id)
            except NotFound:
                continue
            if snipe.is_terminal:
                continue
            found.append(
                AffectedSnipe(
                    bid_id=snipe.bid_id,
                    title=snipe.title,
                    auction_end_ms=snipe.auction_end_ms,
                    item_web_url=snipe.item_web_url,
                )
            )
        return sorted(found, key=lambda s: s.auction_end_ms)
