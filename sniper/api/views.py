"""What clients get back: response Structs, built from domain objects.

Views leave out what a client must never see or cannot use: token ciphertexts, lease owners,
versions, schedule names. Instants travel as ISO 8601 UTC strings with `Z`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec
from msgspec import Meta

from sniper.domain import instants
from sniper.domain.history import HistoryEntry
from sniper.domain.instants import Timing
from sniper.domain.money import Money
from sniper.domain.snipe import Snipe, SnipeStatus
from sniper.domain.timing_report import Attempt, TimingReport
from sniper.domain.user import BiddingAccess, BiddingCheck, EbayLink, NotificationChoices, User
from sniper.ebay.browse import Item
from sniper.ebay.trading import WatchedItem
from sniper.services.account_removal import RemovalReport

Instant = Annotated[
    str, Meta(extra_json_schema={"format": "date-time"}, examples=["2025-01-31T18:04:05.000Z"])
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_ms(epoch_ms: int) -> str:
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_ns(epoch_ns: int) -> str:
    moment = _EPOCH + timedelta(microseconds=epoch_ns // 1000)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


class _View(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    pass


class MoneyView(_View, frozen=True, kw_only=True):
    value: Annotated[str, Meta(examples=["25.00"])]
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyView:
        return cls(value=money.value, currency=money.currency)


def money_or_none(money: Money | None) -> MoneyView | None:
    return MoneyView.of(money) if money is not None else None


# ---------------------------------------------------------------- users


class NotificationsView(_View, frozen=True, kw_only=True):
    placed: bool
    won: bool
    lost: bool
    skipped: bool
    failed: bool
    link_renewal: bool

    @classmethod
    def of(cls, choices: NotificationChoices) -> NotificationsView:
        return cls(
            placed=choices.placed,
            won=choices.won,
            lost=choices.lost,
            skipped=choices.skipped,
            failed=choices.failed,
            link_renewal=choices.link_renewal,
        )


class PreferencesView(_View, frozen=True, kw_only=True):
    default_offset_seconds: float
    notifications: NotificationsView


class EbayLinkSummary(_View, frozen=True, kw_only=True):
    linked: bool
    username: str | None = None
    broken: bool = False


class ProfileView(_View, frozen=True, kw_only=True):
    user_id: str
    email: str
    name: str
    preferences: PreferencesView
    ebay: EbayLinkSummary
    created_at: Instant
    updated_at: Instant

    @classmethod
    def of(cls, user: User) -> ProfileView:
        link = user.ebay_link
        return cls(
            user_id=user.user_id,
            email=user.email,
            name=user.name,
            preferences=PreferencesView(
                default_offset_seconds=user.preferences.default_offset_seconds,
                notifications=NotificationsView.of(user.preferences.notifications),
            ),
            ebay=EbayLinkSummary(
                linked=link is not None,
                username=link.username if link else None,
                broken=link.broken if link else False,
            ),
            created_at=iso_ms(user.created_ms),
            updated_at=iso_ms(user.updated_ms),
        )


class AccountRemovalView(_View, frozen=True, kw_only=True):
    """What DELETE /users/account removed (all zero / false when there was nothing left)."""

    profile_removed: bool
    ebay_link_removed: bool
    bids_removed: int
    history_removed: int
    schedules_removed: int

    @classmethod
    def of(cls, report: RemovalReport) -> AccountRemovalView:
        return cls(
            profile_removed=report.profile_removed,
            ebay_link_removed=report.ebay_link_removed,
            bids_removed=report.bids_removed,
            history_removed=report.history_removed,
            schedules_removed=report.schedules_removed,
        )


# ---------------------------------------------------------------- eBay link


class AuthUrlView(_View, frozen=True, kw_only=True):
    url: Annotated[str, Meta(description="Send the browser here to grant access on eBay")]
    state: Annotated[str, Meta(description="Echoed back by eBay; POST it with the code")]
    expires_at: Instant


_GRANTED = (
    "eBay lets this sniper bid for you: a read-only check of eBay's Buy Offer API (getBidding) "
    "succeeded when your account was linked."
)
_DENIED = (
    "eBay has not approved this sniper's application for bidding, so snipes cannot be placed: "
    "eBay's Buy Offer API is a Limited Release API that needs eBay's approval of the "
    "application. Your eBay account is fine and nothing on your side needs changing. Whoever "
    "runs this sniper must apply to eBay for production access to the Buy Offer API; eBay's "
    "sandbox works without it."
)
_UNKNOWN = "Not known yet: {detail}. The first snipe will tell (its email says what happened)."


def bidding_access_sentence(check: BiddingCheck | None) -> str:
    """What the bidding check found, in words a user can act on."""
    if check is None:
        return _UNKNOWN.format(detail="not checked (the account was linked before the check)")
    match check.access:
        case BiddingAccess.GRANTED:
            return _GRANTED
        case BiddingAccess.DENIED:
            return _DENIED
        case BiddingAccess.UNKNOWN:
            return _UNKNOWN.format(detail=check.detail or "eBay did not say")


class EbayStatusView(_View, frozen=True, kw_only=True):
    linked: bool
    username: str | None = None
    scopes: list[str] = []
    access_expires_at: Instant | None = None
    refresh_expires_at: Instant | None = None
    linked_at: Instant | None = None
    broken: bool = False
    broken_reason: str | None = None
    bidding_access: Annotated[
        BiddingAccess | None,
        Meta(
            description="Whether eBay lets this application bid (its Buy Offer API is Limited "
            "Release): checked read-only when the account was linked; absent when not linked"
        ),
    ] = None
    bidding_access_detail: Annotated[
        str | None, Meta(description="The bidding access in a sentence, with what to do")
    ] = None
    bidding_checked_at: Instant | None = None

    @classmethod
    def of(cls, link: EbayLink | None) -> EbayStatusView:
        if link is None:
            return cls(linked=False)
        check = link.bidding_check
        return cls(
            linked=True,
            username=link.username,
            scopes=list(link.scopes),
            access_expires_at=iso_ms(link.access_expires_ms),
            refresh_expires_at=iso_ms(link.refresh_expires_ms),
            linked_at=iso_ms(link.linked_ms),
            broken=link.broken,
            broken_reason=link.broken_reason,
            bidding_access=check.access if check else BiddingAccess.UNKNOWN,
            bidding_access_detail=bidding_access_sentence(check),
            bidding_checked_at=iso_ms(check.checked_ms) if check else None,
        )


# ---------------------------------------------------------------- snipes


class GroupView(_View, frozen=True, kw_only=True):
    group_id: str
    max_wins: int


class BidView(_View, frozen=True, kw_only=True):
    bid_id: str
    item_id: str
    legacy_item_id: str
    marketplace_id: str
    title: str
    max_bid: MoneyView
    offset_seconds: float
    auction_end: Instant
    fire_at: Instant
    status: SnipeStatus
    reason: str | None = None
    group: GroupView | None = None
    image_url: str | None = None
    item_web_url: str | None = None
    placed_at: Instant | None = None
    created_at: Instant
    updated_at: Instant
    changes_close_at: Annotated[
        Instant,
        Meta(
            description="From this instant the sniper may wake to get the bid ready, and the "
            "maximum and offset can no longer be changed (cancelling stays possible until the "
            "bid is being placed)"
        ),
    ]

    @classmethod
    def of(cls, snipe: Snipe, timing: Timing = instants.DEFAULT) -> BidView:
        group = snipe.group
        return cls(
            changes_close_at=iso_ms(instants.changes_close_ms(snipe.auction_end_ms, timing)),
            bid_id=snipe.bid_id,
            item_id=snipe.item_id,
            legacy_item_id=snipe.legacy_item_id,
            marketplace_id=snipe.marketplace_id,
            title=snipe.title,
            max_bid=MoneyView.of(snipe.max_bid),
            offset_seconds=snipe.offset_seconds,
            auction_end=iso_ms(snipe.auction_end_ms),
            fire_at=iso_ms(snipe.fire_at_ms),
            status=snipe.status,
            reason=snipe.reason,
            group=GroupView(group_id=group.group_id, max_wins=group.max_wins) if group else None,
            image_url=snipe.image_url,
            item_web_url=snipe.item_web_url,
            placed_at=iso_ms(snipe.placed_ms) if snipe.placed_ms is not None else None,
            created_at=iso_ms(snipe.created_ms),
            updated_at=iso_ms(snipe.updated_ms),
        )


class BidPage(_View, frozen=True, kw_only=True):
    items: list[BidView]
    next_cursor: str | None = None


class UnlinkView(_View, frozen=True, kw_only=True):
    unlinked: Annotated[bool, Meta(description="False when no eBay account was linked")]
    cancelled_bids: list[BidView]


class SnipeRef(_View, frozen=True, kw_only=True):
    """The caller's snipe on an item, if any."""

    bid_id: str
    status: SnipeStatus
    max_bid: MoneyView

    @classmethod
    def of(cls, snipe: Snipe | None) -> SnipeRef | None:
        if snipe is None:
            return None
        return cls(bid_id=snipe.bid_id, status=snipe.status, max_bid=MoneyView.of(snipe.max_bid))


# ---------------------------------------------------------------- watch list


class WishlistItemView(_View, frozen=True, kw_only=True):
    item_id: str
    legacy_item_id: str
    title: str
    is_auction: bool
    listing_type: str
    current_price: MoneyView | None = None
    bid_count: int
    end_time: Instant | None = None
    item_web_url: str | None = None
    image_url: str | None = None
    snipe: SnipeRef | None = None

    @classmethod
    def of(cls, item: WatchedItem, snipe: Snipe | None) -> WishlistItemView:
        return cls(
            item_id=item.item_id,
            legacy_item_id=item.legacy_item_id,
            title=item.title,
            is_auction=item.is_auction,
            listing_type=item.listing_type,
            current_price=money_or_none(item.current_price),
            bid_count=item.bid_count,
            end_time=iso_ms(item.end_ms) if item.end_ms is not None else None,
            item_web_url=item.view_item_url,
            image_url=item.image_url,
            snipe=SnipeRef.of(snipe),
        )


class WishlistPage(_View, frozen=True, kw_only=True):
    items: list[WishlistItemView]
    total: int
    next_cursor: str | None = None


class ItemDetailView(_View, frozen=True, kw_only=True):
    item_id: str
    legacy_item_id: str
    title: str
    marketplace_id: str | None = None
    buying_options: list[str]
    is_auction: bool
    ended: bool
    current_bid_price: MoneyView | None = None
    next_minimum_bid: MoneyView | None = None
    buy_it_now_price: MoneyView | None = None
    bid_count: int
    end_time: Instant | None = None
    reserve_price_met: bool | None = None
    adult_only: bool
    seller_username: str | None = None
    image_url: str | None = None
    item_web_url: str | None = None
    snipe: SnipeRef | None = None

    @classmethod
    def of(
        cls, item: Item, *, ended: bool, next_minimum: Money | None, snipe: Snipe | None
    ) -> ItemDetailView:
        return cls(
            item_id=item.item_id,
            legacy_item_id=item.legacy_item_id,
            title=item.title,
            marketplace_id=item.marketplace_id,
            buying_options=list(item.buying_options),
            is_auction=item.is_auction,
            ended=ended,
            current_bid_price=money_or_none(item.current_bid_price),
            next_minimum_bid=money_or_none(next_minimum),
            buy_it_now_price=money_or_none(item.price)
            if "FIXED_PRICE" in item.buying_options
            else None,
            bid_count=item.bid_count,
            end_time=iso_ms(item.item_end_ms) if item.item_end_ms is not None else None,
            reserve_price_met=item.reserve_price_met,
            adult_only=item.adult_only,
            seller_username=item.seller_username,
            image_url=item.image_url,
            item_web_url=item.item_web_url,
            snipe=SnipeRef.of(snipe),
        )


# ---------------------------------------------------------------- history


class AttemptView(_View, frozen=True, kw_only=True):
    """One placeProxyBid sent; `status` absent when no answer was read (a timeout, a reset)."""

    sent: Instant
    answered: Instant | None = None
    status: int | None = None
    error_id: int | None = None

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptView:
        return cls(
            sent=iso_ns(attempt.sent_ns),
            answered=iso_ns(attempt.answered_ns) if attempt.answered_ns is not None else None,
            status=attempt.status,
            error_id=attempt.error_id,
        )


class TimingView(_View, frozen=True, kw_only=True):
    """How precisely the bid was fired. Instants to the microsecond; durations in ms.

    `sent`/`answered` are the landing attempt's (or the last one's when none is known to have
    landed); `landedAttempt` (1-based) is given only when it is known which one eBay took."""

    auction_end: Instant
    target: Instant
    sent: Instant | None = None
    answered: Instant | None = None
    estimated_latency_ms: float | None = None
    round_trip_ms: float | None = None
    sent_after_target_ms: float | None = None
    attempts: int
    tries: list[AttemptView] = []
    landed_attempt: int | None = None
    fired_by: str | None = None

    @classmethod
    def of(cls, timing: TimingReport) -> TimingView:
        round_trip = timing.round_trip_ns
        return cls(
            tries=[AttemptView.of(attempt) for attempt in timing.tries],
            landed_attempt=timing.landed_attempt,
            fired_by=timing.fired_by,
            auction_end=iso_ns(timing.auction_end_ns),
            target=iso_ns(timing.target_ns),
            sent=iso_ns(timing.sent_ns) if timing.sent_ns is not None else None,
            answered=iso_ns(timing.answered_ns) if timing.answered_ns is not None else None,
            estimated_latency_ms=_ms(timing.estimated_latency_ns),
            round_trip_ms=_ms(round_trip),
            sent_after_target_ms=_ms(timing.sent_ns - timing.target_ns)
            if timing.sent_ns is not None
            else None,
            attempts=timing.attempts,
        )


def _ms(nanoseconds: int | None) -> float | None:
    return round(nanoseconds / 1e6, 3) if nanoseconds is not None else None


class HistoryView(_View, frozen=True, kw_only=True):
    bid_id: str
    item_id: str
    title: str
    marketplace_id: str
    max_bid: MoneyView
    outcome: SnipeStatus
    reason: str | None = None
    final_price: MoneyView | None = None
    auction_end: Instant
    settled_at: Instant
    group_id: str | None = None
    timing: TimingView | None = None
    emailed_at: Instant | None = None

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryView:
        return cls(
            bid_id=entry.bid_id,
            item_id=entry.item_id,
            title=entry.title,
            marketplace_id=entry.marketplace_id,
            max_bid=MoneyView.of(entry.max_bid),
            outcome=entry.outcome,
            reason=entry.reason,
            final_price=money_or_none(entry.final_price),
            auction_end=iso_ms(entry.auction_end_ms),
            settled_at=iso_ms(entry.settled_ms),
            group_id=entry.group_id,
            timing=TimingView.of(entry.timing) if entry.timing else None,
            emailed_at=iso_ms(entry.emailed_ms) if entry.emailed_ms is not None else None,
        )


class HistoryPage(_View, frozen=True, kw_only=True):
    items: list[HistoryView]
    next_cursor: str | None = None


# ---------------------------------------------------------------- eBay's endpoint


class ChallengeView(msgspec.Struct, frozen=True, kw_only=True):
    challengeResponse: str  # eBay's field name, as eBay reads it
