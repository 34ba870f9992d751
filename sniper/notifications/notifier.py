"""The notification use case: one event -> at most one email, as the user chose.

The recipient is the user's email in the Users table (never an address from the event). A user
who turned a kind of email off gets nothing; a user who no longer exists gets nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Protocol

import msgspec

from sniper.domain.errors import NotFound
from sniper.events import LinkNeedsRenewal, NotifierEvent
from sniper.notifications.messages import AffectedSnipe, Message, choice_for, render, wanted
from sniper.notifications.postmark import Undeliverable
from sniper.storage.snipes import SnipesRepository
from sniper.storage.users import UsersRepository

# A renewal email lists at most this many pending snipes by name.
MAX_LISTED_SNIPES = 25


class Mailer(Protocol):
    async def send(self, to: str, message: Message) -> str: ...


class Delivery(enum.StrEnum):
    SENT = "sent"
    NOT_WANTED = "not_wanted"  # the user turned this kind of email off
    UNKNOWN_OUTCOME = "unknown_outcome"  # an outcome no email exists for
    NO_RECIPIENT = "no_recipient"  # the user is gone or has no email address
    UNDELIVERABLE = "undeliverable"  # Postmark refuses this recipient for good


class NotifyResult(msgspec.Struct, frozen=True, kw_only=True):
    delivery: Delivery
    tag: str | None = None
    message_id: str | None = None


class Notifier:
    def __init__(
        self,
        users: UsersRepository,
        mailer: Mailer,
        *,
        snipes: SnipesRepository | None = None,
    ) -> None:
        self.users = users
        self.mailer = mailer
        self.snipes = snipes

    async def notify(self, event: NotifierEvent) -> NotifyResult:
        if choice_for(event) is None:
            return NotifyResult(delivery=Delivery.UNKNOWN_OUTCOME)
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
            message_id = await self.mailer.send(user.email, message)
        except Undeliverable:
            return NotifyResult(delivery=Delivery.UNDELIVERABLE, tag=message.tag)
        return NotifyResult(delivery=Delivery.SENT, tag=message.tag, message_id=message_id)

    async def _pending(self, user_id: str, bid_ids: Sequence[str]) -> list[AffectedSnipe]:
        """The named snipes that still wait to fire, soonest first."""
        if self.snipes is None:
            return []
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
