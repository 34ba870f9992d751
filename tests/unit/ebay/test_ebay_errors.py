"""Every eBay failure becomes a typed error the API's exception map understands."""

from __future__ import annotations

import msgspec
import pytest
import yaml

from sniper.domain import errors as domain
from sniper.ebay import errors
from sniper.ebay.errors import (
    OFFER_ERRORS,
    EbayError,
    EbayUnavailable,
    error_from_response,
)
from tests.support.contract_files import find
from tests.support.ebay_contracts import needs_contracts


def _documented_error_ids(contract: str) -> dict[int, set[int]]:
    """errorId -> the HTTP statuses the contract documents it under ({} if it is not here)."""
    path = find(contract)
    if path is None:
        return {}
    document = yaml.safe_load(path.read_text())
    found: dict[int, set[int]] = {}
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                codes = response.get("x-response-codes", {}).get("errors", {})
                for error_id in codes:
                    found.setdefault(int(error_id), set()).add(int(status))
    return found


def _body(error_id: int, message: str = "eBay says no") -> bytes:
    return msgspec.json.encode(
        {
            "errors": [
                {
                    "errorId": error_id,
                    "domain": "API_OFFER",
                    "category": "BUSINESS",
                    "message": message,
                    "longMessage": message,
                }
            ]
        }
    )


OFFER_IDS = _documented_error_ids("offer.openapi.yaml")
needs_offer_contract = needs_contracts("offer.openapi.yaml")


@needs_offer_contract
def test_the_contract_documents_the_errors_we_expect() -> None:
    # Guards the reader above: a contract read that found nothing would make the next test vacuous.
    assert {120000, 120001, 120002, 120003, 120008, 120010, 120012, 120033} <= set(OFFER_IDS)
    assert len(OFFER_IDS) >= 30


@needs_offer_contract
@pytest.mark.parametrize("error_id", sorted(OFFER_IDS) or [0])  # [0]: one skipped test
def test_every_documented_offer_error_id_maps_to_a_typed_error(error_id: int) -> None:
    assert error_id in OFFER_ERRORS, f"errorId {error_id} from offer.openapi.yaml is not mapped"
    expected = OFFER_ERRORS[error_id]
    for status in OFFER_IDS[error_id]:
        error = error_from_response("offer", status, {}, _body(error_id))
        assert type(error) is expected
        assert error.error_id == error_id
        assert error.status == status
        assert isinstance(error, domain.SniperError)


@needs_offer_contract
def test_the_table_maps_nothing_the_contract_does_not_document() -> None:
    assert set(OFFER_ERRORS) == set(OFFER_IDS)


@pytest.mark.parametrize(
    ("error_id", "cls"),
    [
        (120008, errors.BidTooLow),
        (120012, errors.AuctionEnded),
        (120010, errors.CannotLowerBid),
        (120002, errors.EndedByBuyItNow),
        (120001, errors.ItemNotFound),
        (120003, errors.SellerCannotBid),
        (120009, errors.BidCurrencyMismatch),
        (120021, errors.AdultConsentRequired),
        (120032, errors.AdultConsentRequired),
    ],
)
def test_the_named_families(error_id: int, cls: type[EbayError]) -> None:
    assert OFFER_ERRORS[error_id] is cls
    assert issubclass(cls, errors.OfferRejected)
    assert issubclass(cls, domain.BusinessRuleViolation)


def test_ended_by_buy_it_now_is_an_ended_auction() -> None:
    error = error_from_response("offer", 409, {}, _body(120002))
    assert isinstance(error, errors.AuctionEnded)


def test_an_undocumented_error_id_keeps_its_id_in_the_fallback() -> None:
    error = error_from_response("offer", 409, {}, _body(129999, "something new"))
    assert type(error) is errors.OfferRejected
    assert error.error_id == 129999
    assert "something new" in error.message


def test_internal_error_is_transient() -> None:
    error = error_from_response("offer", 500, {}, _body(120000))
    assert isinstance(error, EbayUnavailable)
    assert isinstance(error, domain.UpstreamUnavailable)
    assert error.error_id == 120000


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_without_a_body_is_transient(status: int) -> None:
    error = error_from_response("browse", status, {}, b"<html>oops</html>")
    assert isinstance(error, EbayUnavailable)
    assert error.status == status


def test_429_keeps_retry_after() -> None:
    error = error_from_response("offer", 429, {"Retry-After": "7"}, b"")
    assert isinstance(error, EbayUnavailable)
    assert error.retry_after_s == 7.0
    assert error_from_response("offer", 429, {"retry-after": "soon"}, b"").retry_after_s is None  # type: ignore[attr-defined]


def test_401_is_unauthorized_and_maps_onto_a_broken_link() -> None:
    error = error_from_response("offer", 401, {}, b'{"errors":[{"errorId":1001}]}')
    assert isinstance(error, errors.Unauthorized)
    assert isinstance(error, domain.EbayLinkBroken)
    assert isinstance(error_from_response("identity", 403, {}, b""), errors.InsufficientScope)


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (
            400,
            b'{"error":"invalid_grant","error_description":"the provided authorization grant '
            b'code is invalid or was issued to another client"}',
            errors.InvalidGrant,
        ),
        (
            401,
            b'{"error":"invalid_client","error_description":"client authentication failed"}',
            errors.InvalidClient,
        ),
        (400, b'{"error":"invalid_scope","error_description":"bad scope"}', errors.EbayAuthError),
        (400, b"not json", errors.EbayAuthError),
        (503, b"", EbayUnavailable),
    ],
)
def test_oauth_errors(status: int, body: bytes, cls: type[EbayError]) -> None:
    error = error_from_response("oauth", status, {}, body)
    assert type(error) is cls


def test_invalid_grant_means_the_user_must_relink() -> None:
    error = error_from_response("oauth", 400, {}, b'{"error":"invalid_grant"}')
    assert isinstance(error, domain.EbayLinkBroken)
    assert error.code == domain.EbayLinkBroken.code
    assert isinstance(error, errors.EbayAuthError)
    assert error.oauth_error == "invalid_grant"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("error_id", "cls"), [(11001, errors.ItemNotFound), (11004, errors.ItemUnavailable)]
)
def test_browse_errors(error_id: int, cls: type[EbayError]) -> None:
    assert type(error_from_response("browse", 400, {}, _body(error_id))) is cls
    assert type(error_from_response("browse", 404, {}, b"")) is errors.ItemNotFound


def test_unknown_4xx_is_a_generic_rejection() -> None:
    error = error_from_response("identity", 404, {}, b"")
    assert type(error) is errors.EbayRequestRejected
    assert isinstance(error, domain.SniperError)


# --- 403 errorId 1100: the application, not the user -----------------------------------------


def _access_denied() -> bytes:
    """eBay's gateway body for errorId 1100, as the simulator and eBay's knowledge base show it."""
    return msgspec.json.encode(
        {
            "errors": [
                {
                    "errorId": 1100,
                    "domain": "ACCESS",
                    "category": "REQUEST",
                    "message": "Access denied",
                    "longMessage": "Insufficient permissions to fulfill the request.",
                }
            ]
        }
    )


def test_1100_from_the_offer_api_is_the_application_not_being_approved() -> None:
    error = error_from_response("offer", 403, {}, _access_denied())
    assert type(error) is errors.EbayAppNotApproved
    assert error.error_id == errors.ACCESS_DENIED == 1100 and error.status == 403
    # Nothing the user can do: not a broken link, not something a token refresh would fix.
    assert not isinstance(error, errors.Unauthorized)
    assert not isinstance(error, domain.EbayLinkBroken)
    assert isinstance(error, domain.BusinessRuleViolation)
    assert "approved" in error.message and "link" not in error.message.lower()


def test_a_403_without_1100_is_still_a_missing_scope() -> None:
    without_id = error_from_response("offer", 403, {}, b"")
    assert type(without_id) is errors.InsufficientScope
    other_id = error_from_response("offer", 403, {}, _body(1002))
    assert type(other_id) is errors.InsufficientScope


def test_1100_from_another_api_is_a_missing_scope() -> None:
    # Only the Buy Offer API is Limited Release here; elsewhere the grant is what lacks access.
    for api in ("identity", "browse"):
        error = error_from_response(api, 403, {}, _access_denied())
        assert type(error) is errors.InsufficientScope, api


def test_1100_is_a_gateway_error_the_contract_checker_allows() -> None:
    # The per-operation contract does not list 1100 (it is the gateway's), so the table above
    # must not either; the contract checker allows it on any API (GATEWAY_ERRORS).
    from tests.support.ebay_contracts import GATEWAY_ERRORS

    assert errors.ACCESS_DENIED not in OFFER_ERRORS
    assert GATEWAY_ERRORS[403] == {errors.ACCESS_DENIED}
