"""Users, their preferences, and their link to an eBay account."""

from __future__ import annotations

import enum

import msgspec

from sniper.domain.snipe import DEFAULT_OFFSET_SECONDS


class NotificationChoices(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Which emails the user wants. Link-renewal warnings can be turned off too, at their risk."""

    placed: bool = False
    won: bool = True
    lost: bool = True
    skipped: bool = True
    failed: bool = True
    link_renewal: bool = True


class Preferences(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    default_offset_seconds: float = DEFAULT_OFFSET_SECONDS
    notifications: NotificationChoices = NotificationChoices()


class BiddingAccess(enum.StrEnum):
    """Whether eBay lets this application bid (its Buy Offer API is Limited Release)."""

    GRANTED = "granted"
    DENIED = "denied"  # 403 errorId 1100: eBay has not approved the application
    UNKNOWN = "unknown"  # nothing to ask about, or eBay did not say


class BiddingCheck(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A read-only check of bidding access (getBidding), made when the account was linked."""

    access: BiddingAccess
    checked_ms: int
    item_id: str | None = None  # the auction asked about
    detail: str | None = None  # why UNKNOWN, in words


class RenewalReason(enum.StrEnum):
    """Why a user is asked to link eBay again (LinkNeedsRenewal, and the note on the link)."""

    EXPIRING = "expiring"  # the grant's 18 months are nearly over
    BROKEN = "broken"  # eBay refuses the grant (revoked on eBay, or expired)


class EbayLink(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The user's eBay authorisation. Tokens are only ever held here as KMS ciphertext."""

    username: str
    scopes: tuple[str, ...]
    access_token_ciphertext: bytes
    access_expires_ms: int
    refresh_token_ciphertext: bytes
    refresh_expires_ms: int
    linked_ms: int
    ebay_user_id: str | None = None
    broken: bool = False
    broken_reason: str | None = None
    # The last "link again" email sent about this link and when, so the daily token refresh
    # sends each notice once. A new link starts without one.
    renewal_notice: RenewalReason | None = None
    renewal_notice_ms: int | None = None
    # Added after links existed: a link made before it has none (shown as unknown).
    bidding_check: BiddingCheck | None = None


class User(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    user_id: str
    email: str
    name: str = ""
    preferences: Preferences = Preferences()
    ebay_link: EbayLink | None = None
    created_ms: int = 0
    updated_ms: int = 0
    version: int = 0
