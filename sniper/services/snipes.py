"""The caller's snipes: create, list, read, change, cancel (POST/GET/PUT/DELETE /bids).

A new snipe is checked against eBay first (a live auction, in the listing's currency, at least
the next minimum bid), stored SCHEDULED, then handed to the scheduler.

One live snipe per user and item, by a conditional write rather than a read: the new snipe
first claims the item's guard (sniper.storage.live_guards), then is written. A guard whose
holder is terminal frees the item; so does one whose holder was never written (a create that
died between the two writes) once ABANDONED_AFTER_MS has passed. That span exceeds the API
function's timeout, so the dead create can no longer write its snipe; until then the item
counts as held, and nothing can leave two live snipes behind.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import msgspec

from sniper.clock import SYSTEM_CLOCK, Clock, now_ms
from sniper.domain import instants
from sniper.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    CurrencyMismatch,
    EbayLinkBroken,
    EbayLinkRequired,
    IllegalTransition,
    InvalidInput,
)
from sniper.domain.ids import new_id
from sniper.domain.instants import Timing
from sniper.domain.money import Money
from sniper.domain.snipe import (
    EDITABLE,
    TERMINAL,
    BidGroup,
    FailureReason,
    Snipe,
    SnipeStatus,
    check_offset,
)
from sniper.ebay.browse import Item
from sniper.ebay.item_ids import parse_item_reference
from sniper.services.paging import full_page
from sniper.services.ports.ebay import ItemReader
from sniper.services.ports.stores import (
    Guard,
    LiveGuardStore,
    Page,
    SnipeListing,
    SnipeStore,
    StaleWrite,
    UserStore,
)
from sniper.services.snipe_cancellation import cancel_snipe

if TYPE_CHECKING:
    from sniper.scheduling import SnipeScheduler

# A snipe whose firing instant is closer than this cannot be prepared in time.
CANCEL_REASON = "cancelled by the user"
# Longer than BidManagementFunction's Timeout (template.yaml, 30 s; a test holds them apart).
ABANDONED_AFTER_MS: Final = 120_000
# A guard outlives its auction by a day: after the close no snipe on the item can be created.
GUARD_AFTER_CLOSE_S: Final = 24 * 3600
_CLAIM_ATTEMPTS: Final = 4


class NotAnAuction(BusinessRuleViolation):
    code = "not_an_auction"


class AuctionOver(BusinessRuleViolation):
    code = "auction_ended"


class MaxBidTooLow(BusinessRuleViolation):
    code = "max_bid_below_minimum"


class TooLate(BusinessRuleViolation):
    code = "too_late"


class AlreadySniped(Conflict):
    """The caller has a live snipe on the item: `bid_id` names it (the API's `error.bidId`)."""

    code = "already_sniped"

    def __init__(self, bid_id: str) -> None:
        super().__init__(
            f"you already have a snipe on this item ({bid_id}); change that one", field="itemId"
        )
        self.bid_id = bid_id


class SnipeBusy(Conflict):
    """The executor holds the snipe: it can no longer be changed."""

    code = "snipe_in_progress"


class NewSnipe(msgspec.Struct, frozen=True, kw_only=True):
    item_id: str
    max_bid: Money
    offset_seconds: float | None = None
    group: BidGroup | None = None


@dataclass(frozen=True, kw_only=True)
class Snipes:
    users: UserStore
    store: SnipeStore
    guards: LiveGuardStore
    browse: ItemReader
    scheduler: SnipeScheduler
    timing: Timing = instants.DEFAULT
    clock: Clock = SYSTEM_CLOCK

    async def create(self, user_id: str, request: NewSnipe) -> Snipe:
        reference = parse_item_reference(request.item_id)
        user = await self.users.get(user_id)
        if user is None or user.ebay_link is None:
            raise EbayLinkRequired("link your eBay account before setting a snipe")
        if user.ebay_link.broken:
            raise EbayLinkBroken("eBay no longer accepts your link; link your account again")
        offset = check_offset(
            request.offset_seconds
            if request.offset_seconds is not None
            else user.preferences.default_offset_seconds
        )
        item = await self.browse.get_item(
            reference.rest_id, marketplace_id=reference.marketplace_id
        )
        now = now_ms(self.clock)
        self._check_biddable(item, request.max_bid, offset, now)
        assert item.item_end_ms is not None  # _check_biddable refuses an auction without an end
        snipe = Snipe(
            user_id=user_id,
            bid_id=new_id(now),
            item_id=item.item_id,
            legacy_item_id=item.legacy_item_id,
            marketplace_id=item.marketplace_id or "EBAY_US",
            title=item.title,
            max_bid=request.max_bid,
            offset_seconds=offset,
            auction_end_ms=item.item_end_ms,
            group=request.group,
            image_url=item.image_url,
            item_web_url=item.item_web_url,
            adult_only=item.adult_only,
            created_ms=now,
            updated_ms=now,
        )
        await self._claim_item(snipe)
        try:
            await self.store.create(snipe)
        except Exception:
            await self._hand_back(snipe)
            raise
        return await self._schedule(snipe)

    async def _hand_back(self, snipe: Snipe) -> None:
        """After a failed write, free the item now rather than after ABANDONED_AFTER_MS, but
        only if a consistent read shows the snipe absent: a write whose answer was lost may
        have landed, and then the guard must stay."""
        with contextlib.suppress(Exception):
            if await self.store.find(snipe.user_id, snipe.bid_id) is None:
                await self.guards.release(snipe.user_id, snipe.item_id, snipe.bid_id)

    async def _claim_item(self, snipe: Snipe) -> None:
        """Make `snipe` the holder of its item's guard, or raise AlreadySniped naming the holder."""
        expires_s = snipe.auction_end_ms // 1000 + GUARD_AFTER_CLOSE_S
        seen: Guard | None = None
        for _ in range(_CLAIM_ATTEMPTS):
            guard = Guard(holder_bid_id=snipe.bid_id, claimed_ms=now_ms(self.clock))
            held = await self.guards.claim(
                snipe.user_id, snipe.item_id, guard, expires_s=expires_s, replacing=seen
            )
            if held is None:
                return
            holder = await self.store.find(snipe.user_id, held.holder_bid_id)
            if not frees_item(held, holder, now_ms(self.clock)):
                raise AlreadySniped(held.holder_bid_id)
            seen = held
        raise Conflict("the item kept changing hands; try again")

    async def _schedule(self, snipe: Snipe) -> Snipe:
        try:
            name = await self.scheduler.schedule(snipe)
        except Exception:
            # Nothing will fire for it: say so on the snipe rather than leave it SCHEDULED.
            failed = snipe.moved_to(
                SnipeStatus.FAILED, now_ms=now_ms(self.clock), reason=FailureReason.INTERNAL.value
            )
            with contextlib.suppress(StaleWrite):
                await self.store.save(failed, expected_version=snipe.version)
            raise
        named = msgspec.structs.replace(snipe, schedule_name=name, version=snipe.version + 1)
        try:
            return await self.store.save(named, expected_version=snipe.version)
        except StaleWrite:
            # Inside the schedule lead the executor is dispatched at once and may have claimed
            # the snipe already; what it wrote is the truth.
            return await self.store.get(snipe.user_id, snipe.bid_id)

    def _check_biddable(self, item: Item, max_bid: Money, offset: float, now: int) -> None:
        if not item.is_auction:
            raise NotAnAuction(
                "this listing is not an auction; only auctions can be sniped", field="itemId"
            )
        if item.item_end_ms is None or item.item_end_ms <= now:
            raise AuctionOver("this auction has ended", field="itemId")
        if max_bid.currency != item.currency:
            raise CurrencyMismatch(
                f"this auction takes bids in {item.currency}, not {max_bid.currency}",
                field="maxBid.currency",
            )
        minimum = item.next_minimum_bid
        if minimum is not None and max_bid < minimum:
            raise MaxBidTooLow(
                f"the maximum bid must be at least {minimum.value} {minimum.currency}",
                field="maxBid.value",
            )
        if not instants.accepts_new(item.item_end_ms, offset, now, self.timing):
            raise TooLate("this auction ends too soon to place a snipe", field="itemId")

    async def list(self, user_id: str, listing: SnipeListing) -> Page[Snipe]:
        return await full_page(lambda part: self.store.list_for_user(user_id, part), listing)

    async def get(self, user_id: str, bid_id: str) -> Snipe:
        return await self.store.get(user_id, bid_id)

    async def change(
        self,
        user_id: str,
        bid_id: str,
        *,
        max_bid: Money | None = None,
        offset_seconds: float | None = None,
    ) -> Snipe:
        if max_bid is None and offset_seconds is None:
            raise InvalidInput("give maxBid, offsetSeconds or both", field="body")
        if offset_seconds is not None:
            check_offset(offset_seconds)
        snipe = await self.store.get(user_id, bid_id)
        self._check_editable(snipe)
        offset = offset_seconds if offset_seconds is not None else snipe.offset_seconds
        if max_bid is not None:
            if max_bid.currency != snipe.max_bid.currency:
                raise CurrencyMismatch(
                    f"this auction takes bids in {snipe.max_bid.currency}, not {max_bid.currency}",
                    field="maxBid.currency",
                )
            # The price has moved since the snipe was set: check the new maximum against it.
            item = await self.browse.get_item(snipe.item_id)
            self._check_biddable(item, max_bid, offset, now_ms(self.clock))
            # The read above awaited: decide on the snipe as it is now.
            snipe = await self.store.get(user_id, bid_id)
            self._check_editable(snipe)
        elif not instants.accepts_new(
            snipe.auction_end_ms, offset, now_ms(self.clock), self.timing
        ):
            raise TooLate("this auction ends too soon to change the snipe", field="offsetSeconds")
        edited = snipe.edited(
            now_ms=now_ms(self.clock), max_bid=max_bid, offset_seconds=offset_seconds
        )
        try:
            saved = await self.store.save(edited, expected_version=snipe.version)
        except StaleWrite:
            raise SnipeBusy("the snipe changed meanwhile (the executor may hold it)") from None
        await self.scheduler.reschedule(saved)
        return saved

    def _check_editable(self, snipe: Snipe) -> None:
        if snipe.status not in EDITABLE:
            raise IllegalTransition(f"a {snipe.status} snipe can no longer be changed")
        if now_ms(self.clock) >= instants.changes_close_ms(snipe.auction_end_ms, self.timing):
            raise SnipeBusy(
                "changes closed when the sniper woke to get this bid ready; cancel it instead"
            )
        lease = snipe.lease_expires_ms
        if snipe.lease_owner and lease is not None and lease > now_ms(self.clock):
            raise SnipeBusy("the executor is preparing this snipe; it can no longer be changed")

    async def cancel(self, user_id: str, bid_id: str) -> Snipe:
        snipe = await self.store.get(user_id, bid_id)
        return await cancel_snipe(
            self.store, self.scheduler, snipe, reason=CANCEL_REASON, clock=self.clock
        )


def frees_item(guard: Guard, holder: Snipe | None, now_ms: int) -> bool:
    """Whether a guard's holder lets a new snipe take the item: it ended, or it never came to
    be (its create died between the guard and the snipe) and can no longer be written."""
    if holder is None:
        return now_ms - guard.claimed_ms > ABANDONED_AFTER_MS
    return holder.status in TERMINAL
