"""The daily upkeep of every eBay link: refresh access tokens, warn before a grant lapses.

For each linked user:
- an access token that expires within the margin is refreshed (and stored, by EbayTokens);
- a refresh token within the threshold of its end earns one "expiring" email: the user must
  link again (eBay grants last 18 months and cannot be extended without the user);
- a refresh eBay refuses (`invalid_grant`: revoked on eBay, or expired) leaves the link broken
  (EbayTokens marks it) and earns one "broken" email listing the user's pending snipes.

Product decision on those pending snipes: they stay SCHEDULED. Failing them now would throw away
snipes the user can still save by linking again before they fire; the email names them, and the
executor fails (TOKEN_REVOKED) any that fire while the link is still broken.

Each notice is sent once per link: the link records which notice went out (`renewal_notice`), and
a new link starts without one. Whoever else breaks a link and emails the user should record it
the same way (`record_renewal_notice`) so the daily run does not send it again.

One user's failure is counted and logged, never allowed to stop the others.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass

import msgspec

from sniper.clock import SYSTEM_CLOCK, Clock, now_ms
from sniper.domain.errors import EbayLinkBroken
from sniper.domain.snipe import SnipeStatus
from sniper.domain.user import EbayLink, RenewalReason, User
from sniper.events import LinkNeedsRenewal, NotifierEvent
from sniper.services.ebay_tokens import EbayTokens
from sniper.services.ports.stores import SnipeListing, SnipeStore, UserStore
from sniper.services.profiles import change_user

log = logging.getLogger(__name__)

DAY_MS = 24 * 3600 * 1000
_PENDING = frozenset({SnipeStatus.SCHEDULED})

Notify = Callable[[NotifierEvent], Awaitable[None]]


class Action(enum.StrEnum):
    REFRESHED = "refreshed"
    WARNED = "warned"
    BROKEN = "broken"


class RefreshSummary(msgspec.Struct, kw_only=True):
    """What one run did; the handler logs it (user ids only, never a token)."""

    checked: int = 0
    refreshed: int = 0
    warned: int = 0
    broken: int = 0
    errors: int = 0
    failed_user_ids: list[str] = msgspec.field(default_factory=list)


async def record_renewal_notice(
    users: UserStore, user_id: str, *, linked_ms: int, notice: RenewalReason, clock: Clock
) -> bool:
    """Note on the user's link that `notice` was sent. A link replaced meanwhile (another
    `linked_ms`) is left alone: the notice was about the old one. Returns whether it was noted."""

    def note(user: User) -> User | None:
        link = user.ebay_link
        if link is None or link.linked_ms != linked_ms:
            return None
        noted = msgspec.structs.replace(
            link, renewal_notice=notice, renewal_notice_ms=now_ms(clock)
        )
        return msgspec.structs.replace(user, ebay_link=noted)

    noted = await change_user(users, lambda: users.require(user_id), note, clock=clock)
    return noted is not None


@dataclass(frozen=True)
class TokenRefresh:
    users: UserStore
    snipes: SnipeStore
    tokens: EbayTokens
    notify: Notify
    _: KW_ONLY
    expiry_threshold_days: int = 7
    access_margin_seconds: int = 3600
    clock: Clock = SYSTEM_CLOCK

    async def run(self) -> RefreshSummary:
        summary = RefreshSummary()
        async for user in self.users.linked_users():
            summary.checked += 1
            try:
                actions = await self.upkeep(user)
            except Exception as exc:
                # Name the user and the kind of failure; the message never carries a token.
                log.error(
                    "token upkeep failed for user %s: %s: %s",
                    user.user_id,
                    type(exc).__name__,
                    exc,
                )
                summary.errors += 1
                summary.failed_user_ids.append(user.user_id)
                continue
            summary.refreshed += Action.REFRESHED in actions
            summary.warned += Action.WARNED in actions
            summary.broken += Action.BROKEN in actions
        return summary

    async def upkeep(self, user: User) -> set[Action]:
        """One user's link: refresh, warn, or report it broken, as due."""
        link = user.ebay_link
        if link is None:
            return set()
        now = now_ms(self.clock)
        if link.broken:
            # Broken elsewhere (executor, API): tell the user once, if nobody has.
            if link.renewal_notice != RenewalReason.BROKEN:
                await self._report_broken(user.user_id, link)
                return {Action.BROKEN}
            return set()
        actions: set[Action] = set()
        if link.access_expires_ms - now <= self.access_margin_seconds * 1000:
            try:
                await self.tokens.refresh(user)
            except EbayLinkBroken:
                # EbayTokens has marked the link broken (invalid_grant).
                await self._report_broken(user.user_id, link)
                return {Action.BROKEN}
            actions.add(Action.REFRESHED)
        if (
            link.refresh_expires_ms - now <= self.expiry_threshold_days * DAY_MS
            and link.renewal_notice is None
        ):
            await self._warn_expiring(user.user_id, link)
            actions.add(Action.WARNED)
        return actions

    async def _warn_expiring(self, user_id: str, link: EbayLink) -> None:
        pending = await self._pending_bid_ids(user_id, link.refresh_expires_ms)
        await self._ask_to_link_again(user_id, link, RenewalReason.EXPIRING, pending)

    async def _report_broken(self, user_id: str, link: EbayLink) -> None:
        pending = await self._pending_bid_ids(user_id)
        await self._ask_to_link_again(user_id, link, RenewalReason.BROKEN, pending)

    async def _ask_to_link_again(
        self, user_id: str, link: EbayLink, reason: RenewalReason, pending: list[str]
    ) -> None:
        await self.notify(
            LinkNeedsRenewal(
                user_id=user_id,
                ebay_username=link.username,
                reason=reason,
                refresh_expires_ms=link.refresh_expires_ms,
                affected_bid_ids=tuple(pending),
            )
        )
        # Sent first, noted second: a lost note means one repeat email, never a missed one.
        await record_renewal_notice(
            self.users, user_id, linked_ms=link.linked_ms, notice=reason, clock=self.clock
        )

    async def _pending_bid_ids(
        self, user_id: str, closing_after_ms: int | None = None
    ) -> list[str]:
        """The user's SCHEDULED snipes (for an expiring grant: those closing after it lapses)."""
        ids: list[str] = []
        listing = SnipeListing(statuses=_PENDING, limit=100)
        while True:
            page = await self.snipes.list_for_user(user_id, listing)
            ids.extend(
                s.bid_id
                for s in page.items
                if closing_after_ms is None or s.auction_end_ms >= closing_after_ms
            )
            if page.next_cursor is None:
                return ids
            listing = msgspec.structs.replace(listing, cursor=page.next_cursor)
