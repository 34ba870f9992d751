"""Creating, listing, changing and cancelling snipes (POST/GET/PUT/DELETE /bids).

A new snipe is checked against eBay first (a live auction, in the listing's currency, at least
the next minimum bid), stored SCHEDULED, then handed to the scheduler.
"""

from __future__ import annotations

import contextlib

import msgspec

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
from sniper.ebay.browse import BrowseApi, Item
from sniper.ebay.item_ids import to_rest_item_id
from sniper.scheduling import SnipeScheduler
from sniper.services.clock import ClockMs, now_ms
from sniper.services.paging import full_page
from sniper.services.snipe_cancellation import cancel_snipe
from sniper.services.watchlist import next_minimum
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import Page
from sniper.storage.users import UsersRepository

# A snipe whose firing instant is closer than this cannot be prepared in time.
MIN_LEAD_MS = 5_000
CANCEL_REASON = "cancelled by the user"


class NotAnAuction(BusinessRuleViolation):
    code = "not_an_auction"


class AuctionOver(BusinessRuleViolation):
    code = "auction_ended"


class MaxBidTooLow(BusinessRuleViolation):
    code = "max_bid_below_minimum"


class TooLate(BusinessRuleViolation):
    code = "too_late"


class AlreadySniped(Conflict):
    code = "already_sniped"


class SnipeBusy(Conflict):
    """The executor holds the snipe: it can no longer be changed."""

    code = "snipe_in_progress"


class NewSnipe(msgspec.Struct, frozen=True, kw_only=True):
    item_id: str
    max_bid: Money
    offset_seconds: float | None = None
    group: BidGroup | None = None


class SnipeBook:
    def __init__(
        self,
        *,
        users: UsersRepository,
        snipes: SnipesRepository,
        browse: BrowseApi,
        scheduler: SnipeScheduler,
        clock_ms: ClockMs = now_ms,
    ) -> None:
        self.users = users
        self.snipes = snipes
        self.browse = browse
        self.scheduler = scheduler
        self.clock_ms = clock_ms

    async def create(self, user_id: str, request: NewSnipe) -> Snipe:
        item_id = to_rest_item_id(request.item_id)
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
        item = await self.browse.get_item(item_id)
        now = self.clock_ms()
        self._check_biddable(item, request.max_bid, offset, now)
        live = [
            s
            for s in await self.snipes.ending_after(user_id, now)
            if s.item_id == item.item_id and s.status not in TERMINAL
        ]
        if live:
            raise AlreadySniped(
                f"you already have a snipe on this item ({live[0].bid_id}); change that one",
                field="itemId",
            )
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
        await self.snipes.create(snipe)
        return await self._schedule(snipe)

    async def _schedule(self, snipe: Snipe) -> Snipe:
        try:
            name = await self.scheduler.schedule(snipe)
        except Exception:
            # Nothing will fire for it: say so on the snipe rather than leave it SCHEDULED.
            failed = snipe.moved_to(
                SnipeStatus.FAILED, now_ms=self.clock_ms(), reason=FailureReason.INTERNAL.value
            )
            with contextlib.suppress(Conflict):
                await self.snipes.save(failed, expected_version=snipe.version)
            raise
        named = msgspec.structs.replace(snipe, schedule_name=name, version=snipe.version + 1)
        try:
            return await self.snipes.save(named, expected_version=snipe.version)
        except Conflict:
            # Inside the schedule lead the executor is dispatched at once and may have claimed
            # the snipe already; what it wrote is the truth.
            return await self.snipes.get(snipe.user_id, snipe.bid_id)

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
        minimum = next_minimum(item)
        if minimum is not None and max_bid < minimum:
            raise MaxBidTooLow(
                f"the maximum bid must be at least {minimum.value} {minimum.currency}",
                field="maxBid.value",
            )
        if item.item_end_ms - round(offset * 1000) - now < MIN_LEAD_MS:
            raise TooLate("this auction ends too soon to place a snipe", field="itemId")

    async def list(
        self,
        user_id: str,
        *,
        statuses: frozenset[SnipeStatus] | None,
        cursor: str | None,
        limit: int,
    ) -> Page[Snipe]:
        return await full_page(
            lambda after, size: self.snipes.list_for_user(
                user_id, statuses=statuses, cursor=after, limit=size
            ),
            cursor,
            limit,
        )

    async def get(self, user_id: str, bid_id: str) -> Snipe:
        return await self.snipes.get(user_id, bid_id)

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
        snipe = await self.snipes.get(user_id, bid_id)
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
            self._check_biddable(item, max_bid, offset, self.clock_ms())
            # The read above awaited: decide on the snipe as it is now.
            snipe = await self.snipes.get(user_id, bid_id)
            self._check_editable(snipe)
        elif snipe.auction_end_ms - round(offset * 1000) - self.clock_ms() < MIN_LEAD_MS:
            raise TooLate("this auction ends too soon to change the snipe", field="offsetSeconds")
        edited = snipe.edited(
            now_ms=self.clock_ms(), max_bid=max_bid, offset_seconds=offset_seconds
        )
        try:
            saved = await self.snipes.save(edited, expected_version=snipe.version)
        except Conflict:
            raise SnipeBusy("the snipe changed meanwhile (the executor may hold it)") from None
        await self.scheduler.reschedule(saved)
        return saved

    def _check_editable(self, snipe: Snipe) -> None:
        if snipe.status not in EDITABLE:
            raise IllegalTransition(f"a {snipe.status} snipe can no longer be changed")
        lease = snipe.lease_expires_ms
        if snipe.lease_owner and lease is not None and lease > self.clock_ms():
            raise SnipeBusy("the executor is preparing this snipe; it can no longer be changed")

    async def cancel(self, user_id: str, bid_id: str) -> Snipe:
        snipe = await self.snipes.get(user_id, bid_id)
        return await cancel_snipe(
            self.snipes, self.scheduler, snipe, reason=CANCEL_REASON, clock_ms=self.clock_ms
        )
