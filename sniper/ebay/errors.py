"""Typed eBay errors, and the one place that turns an eBay HTTP answer into one of them.

Every class here also subclasses a `sniper.domain.errors` class, so the API's single exception
map handles eBay failures without knowing eBay: a refused bid is a BusinessRuleViolation, a
refused refresh token is EbayLinkBroken, an outage is UpstreamUnavailable.

This module imports neither aiohttp nor anything that does: the bid executor uses
`error_from_response` on answers it read off its own warm connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeVar

import msgspec

from sniper.domain.errors import (
    BusinessRuleViolation,
    EbayLinkBroken,
    SniperError,
    UpstreamUnavailable,
)

T = TypeVar("T")

Api = Literal["oauth", "browse", "offer", "identity", "trading"]


class EbayError(SniperError):
    """Marker base of every eBay failure. Sets no `code`: the domain class beside it decides."""

    def __init__(
        self,
        message: str,
        *,
        error_id: int | None = None,
        status: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.error_id = error_id
        self.status = status


# --- transport and authorisation -------------------------------------------------------------


class EbayUnavailable(EbayError, UpstreamUnavailable):
    """Worth retrying later: 5xx, 429, a dropped connection, a timeout."""

    def __init__(
        self,
        message: str,
        *,
        error_id: int | None = None,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, error_id=error_id, status=status)
        self.retry_after_s = retry_after_s


class Unauthorized(EbayError, EbayLinkBroken):
    """401: the access token expired or was revoked. Refresh it and try again; if the refresh
    fails too (InvalidGrant) the link is broken, which is why this maps onto EbayLinkBroken."""

    code = "ebay_unauthorized"


class InsufficientScope(Unauthorized):
    """403: the user's grant lacks a scope this call needs (linked before we asked for it)."""

    code = "ebay_insufficient_scope"


class EbayAppNotApproved(EbayError, BusinessRuleViolation):
    """403 errorId 1100 from the Buy Offer API: eBay has not approved this application for it.

    Not an Unauthorized: no refresh and no new link can fix it, only eBay's approval can (the
    operator applies for production access; the sandbox needs none). See ACCESS_DENIED below.
    """

    code = "ebay_app_not_approved"


class EbayAuthError(EbayError):
    """The token endpoint refused a request for a reason other than the two below."""

    code = "ebay_auth_error"

    def __init__(self, message: str, *, oauth_error: str, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.oauth_error = oauth_error


class InvalidGrant(EbayAuthError, EbayLinkBroken):
    """The auth code or refresh token is expired, used or revoked: the user must link again."""

    code = EbayLinkBroken.code


class InvalidClient(EbayAuthError):
    """Our app credentials (client id / secret) are wrong: an operator problem, not a user's."""

    code = "ebay_invalid_client"


class EbayRequestRejected(EbayError, BusinessRuleViolation):
    """eBay refused a request for a reason no more specific class describes."""

    code = "ebay_request_rejected"


class MalformedResponse(EbayError, UpstreamUnavailable):
    """eBay answered 2xx with a body we could not read."""


# --- Buy Offer ------------------------------------------------------------------------------


class OfferRejected(EbayError, BusinessRuleViolation):
    """eBay refused the bid (or the bidding lookup). `error_id` is eBay's errorId."""

    code = "bid_rejected"

    def __init__(
        self, error_id: int | None, message: str = "", *, status: int | None = None
    ) -> None:
        super().__init__(
            message or f"eBay refused the bid (errorId {error_id})",
            error_id=error_id,
            status=status,
        )


class ItemNotFound(OfferRejected):
    code = "ebay_item_not_found"


class AuctionEnded(OfferRejected):
    code = "auction_ended"


class EndedByBuyItNow(AuctionEnded):
    """The auction ended early because someone bought it outright; still an ended auction."""

    code = "auction_ended_by_buy_it_now"


class ItemUnavailable(OfferRejected):
    code = "ebay_item_unavailable"


class SellerCannotBid(OfferRejected):
    code = "seller_cannot_bid"


class BidTooLow(OfferRejected):
    code = "bid_too_low"


class BidTooHigh(OfferRejected):
    """Over a limit: eBay's bid limit, the item's Buy It Now price, or simply too high."""

    code = "bid_too_high"


class InvalidBidAmount(OfferRejected):
    """Missing or malformed amount, or decimals where the auction takes whole numbers only."""

    code = "invalid_bid_amount"


class BidCurrencyMismatch(OfferRejected):
    """The bid's currency is not the listing's (eBay's refusal; domain.errors.CurrencyMismatch is
    ours, raised before anything reaches eBay)."""

    code = "bid_currency_mismatch"


class CannotLowerBid(OfferRejected):
    code = "cannot_lower_bid"


class AdultConsentRequired(OfferRejected):
    code = "adult_consent_required"


class BidderNotEligible(OfferRejected):
    """The buyer's account may not bid here (restrictions, agreements, verifications)."""

    code = "bidder_not_eligible"


class MarketplaceNotSupported(OfferRejected):
    code = "marketplace_not_supported"


class NoBiddingActivity(OfferRejected):
    """getBidding: the buyer never bid on this auction."""

    code = "no_bidding_activity"


# Every errorId documented in offer.openapi.yaml; a test reads the contract and checks coverage.
OFFER_ERRORS: Final[Mapping[int, type[EbayError]]] = {
    120000: EbayUnavailable,
    120001: ItemNotFound,
    120002: EndedByBuyItNow,
    120003: SellerCannotBid,
    120004: BidderNotEligible,
    120005: BidTooHigh,  # above the Buy It Now price
    120006: BidderNotEligible,
    120007: BidTooHigh,
    120008: BidTooLow,
    120009: BidCurrencyMismatch,
    120010: CannotLowerBid,
    120011: BidTooHigh,  # exceeds the bid limit
    120012: AuctionEnded,
    120013: InvalidBidAmount,
    120014: BidCurrencyMismatch,  # currency code invalid
    120015: MarketplaceNotSupported,  # header missing: our bug, but the same remedy
    120016: InvalidBidAmount,
    120017: MarketplaceNotSupported,
    120018: InvalidBidAmount,  # no decimals allowed
    120019: BidderNotEligible,  # pre-approval
    120020: BidderNotEligible,  # user agreement
    120021: AdultConsentRequired,
    120022: BidderNotEligible,  # privacy agreement
    120023: BidderNotEligible,  # business-to-business only
    120024: ItemUnavailable,
    120025: BidderNotEligible,
    120026: BidderNotEligible,
    120027: BidderNotEligible,
    120028: BidderNotEligible,
    120029: BidderNotEligible,
    120030: BidderNotEligible,
    120031: BidderNotEligible,
    120032: AdultConsentRequired,
    120033: NoBiddingActivity,
}

# Browse getItem / getItemByLegacyId.
BROWSE_ERRORS: Final[Mapping[int, type[EbayError]]] = {
    11000: EbayUnavailable,
    11001: ItemNotFound,
    11003: ItemNotFound,
    11004: ItemUnavailable,
    11006: ItemNotFound,  # a legacy id of an item group, not an item
    11011: MarketplaceNotSupported,
}

# eBay's gateway answers 403 errorId 1100 ("Access denied", "Insufficient permissions to fulfill
# the request", domain ACCESS) on any API, before the API sees the call, so no per-API contract
# lists it (offer.openapi.yaml documents only 120000-120033). For the Buy Offer API it means the
# application's keyset may not call it: the API is "Limited Release ... available only to select
# developers approved by business units" (offer.openapi.yaml, info.description; eBay's Buy APIs
# Requirements, developer.ebay.com/api-docs/buy/buy-requirements.html: production access is
# applied for and granted case by case, while anyone may use the sandbox). eBay's knowledge base
# shows the same body for a token that lacks what a call needs (KB 5208). A user's grant here
# always carries buy.offer.auction: the consent asks for USER_SCOPES and eBay's consent grants
# them together. So from the Offer API, 1100 is the application's refusal; elsewhere, and a 403
# without 1100, stays InsufficientScope.
ACCESS_DENIED: Final = 1100

_TABLES: Final[Mapping[Api, Mapping[int, type[EbayError]]]] = {
    "offer": OFFER_ERRORS,
    "browse": BROWSE_ERRORS,
}


def _build(cls: type[EbayError], error_id: int | None, message: str, status: int) -> EbayError:
    if issubclass(cls, OfferRejected):
        return cls(error_id, message, status=status)
    if issubclass(cls, EbayUnavailable):
        return cls(message or "eBay internal error", error_id=error_id, status=status)
    return cls(message, error_id=error_id, status=status)


# --- decoding error bodies -------------------------------------------------------------------


class _ErrorDetail(msgspec.Struct):
    errorId: int | None = None  # eBay's field names, as sent
    message: str = ""
    longMessage: str = ""


class _ErrorEnvelope(msgspec.Struct):
    errors: list[_ErrorDetail] = []


class _OAuthError(msgspec.Struct):
    error: str = ""
    error_description: str = ""


_ERRORS_DECODER = msgspec.json.Decoder(_ErrorEnvelope)
_OAUTH_DECODER = msgspec.json.Decoder(_OAuthError)


def _first_error(body: bytes) -> _ErrorDetail | None:
    try:
        errors = _ERRORS_DECODER.decode(body).errors
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return errors[0] if errors else None


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds; eBay sends delta-seconds (an HTTP date is ignored)."""
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if value >= 0 else None


def oauth_error_from_response(status: int, body: bytes) -> EbayError:
    """The token endpoint's RFC 6749 error body -> InvalidGrant / InvalidClient / ..."""
    if status >= 500 or status == 429:
        return EbayUnavailable(f"eBay token endpoint answered {status}", status=status)
    try:
        parsed = _OAUTH_DECODER.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        parsed = _OAuthError()
    # The description never echoes the token or code, so it is safe to keep.
    detail = parsed.error_description or parsed.error or f"HTTP {status}"
    if parsed.error == "invalid_grant":
        return InvalidGrant(
            f"eBay refused the grant: {detail}", oauth_error="invalid_grant", status=status
        )
    if parsed.error == "invalid_client" or status == 401:
        return InvalidClient(
            f"eBay refused our app credentials: {detail}",
            oauth_error=parsed.error or "invalid_client",
            status=status,
        )
    return EbayAuthError(
        f"eBay token endpoint refused the request: {detail}",
        oauth_error=parsed.error or "unknown",
        status=status,
    )


def error_from_response(
    api: Api, status: int, headers: Mapping[str, str], body: bytes
) -> EbayError:
    """The typed error for a non-2xx answer from one of eBay's REST APIs."""
    if api == "oauth":
        return oauth_error_from_response(status, body)
    if status == 429:
        return EbayUnavailable(
            "eBay is rate limiting us", status=status, retry_after_s=retry_after_seconds(headers)
        )
    detail = _first_error(body)
    error_id = detail.errorId if detail else None
    message = (detail.longMessage or detail.message) if detail else ""
    if status >= 500:
        return EbayUnavailable(
            message or f"eBay answered {status}",
            error_id=error_id,
            status=status,
            retry_after_s=retry_after_seconds(headers),
        )
    if status == 401:
        return Unauthorized(
            message or "eBay refused the access token", error_id=error_id, status=status
        )
    if status == 403 and api == "offer" and error_id == ACCESS_DENIED:
        return EbayAppNotApproved(
            "eBay has not approved this application for the Buy Offer API (bidding)",
            error_id=error_id,
            status=status,
        )
    if status == 403:
        return InsufficientScope(
            message or "the eBay grant lacks a required scope", error_id=error_id, status=status
        )
    table = _TABLES.get(api, {})
    if error_id is not None and error_id in table:
        return _build(table[error_id], error_id, message, status)
    if api == "offer":
        return OfferRejected(error_id, message, status=status)
    if status == 404 and api == "browse":
        return ItemNotFound(error_id, message or "eBay found no such item", status=status)
    return EbayRequestRejected(
        message or f"eBay answered {status}", error_id=error_id, status=status
    )


def decode_json(decoder: msgspec.json.Decoder[T], body: bytes, what: str) -> T:
    """Decode a 2xx body; eBay sending something else is an upstream fault, not ours."""
    try:
        return decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise MalformedResponse(f"eBay sent an unreadable {what}: {exc}") from None
