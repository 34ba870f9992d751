"""Users, their preferences, and their link to an eBay account."""

from __future__ import annotations

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
    # The last "link again" email sent about this link ("expiring" | "broken") and when, so the
    # daily token refresh sends each notice once. A new link starts without one.
    renewal_notice: str | None = None
    renewal_notice_ms: int | None = None


class User(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    user_id: str
    email: str
    name: str = ""
    preferences: Preferences = Preferences()
    ebay_link: EbayLink | None = None
    created_ms: int = 0
    updated_ms: int = 0
    version: int = 0
