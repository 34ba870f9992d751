"""Domain errors: every failure a use case can report, independent of transport.

The API layer's single exception map turns these into HTTP statuses; adapters translate their
outside system's failures into these, so nothing above an adapter sees a botocore or aiohttp error.
"""

from __future__ import annotations


class SniperError(Exception):
    """Base of every domain error. `code` is stable and machine-readable."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(SniperError):
    """The caller sent something that can never be valid (wrong type, out of bounds)."""

    code = "invalid_input"


class InvalidMoney(InvalidInput):
    code = "invalid_money"


class CurrencyMismatch(InvalidInput):
    code = "currency_mismatch"


class NotFound(SniperError):
    """The thing does not exist, or belongs to someone else (never reveal which)."""

    code = "not_found"


class Conflict(SniperError):
    """A conditional write lost a race, or the resource moved on."""

    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class BusinessRuleViolation(SniperError):
    """Well-formed input that the rules refuse (max bid under the next minimum, ended auction)."""

    code = "unprocessable"


class EbayLinkRequired(BusinessRuleViolation):
    code = "ebay_link_required"


class EbayLinkBroken(BusinessRuleViolation):
    """eBay refused our refresh token (revoked or expired): the user must link again."""

    code = "ebay_link_broken"


class UpstreamUnavailable(SniperError):
    """An outside system failed in a way worth retrying."""

    code = "upstream_unavailable"


class SignatureInvalid(SniperError):
    """A signed message (eBay's account-deletion notice) failed verification."""

    code = "signature_invalid"
