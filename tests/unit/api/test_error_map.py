"""The exception map, through a real resolver: statuses, codes, fields, and no leaks on a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from sniper.api.app import HttpApp
from sniper.api.errors import STATUS_BY_ERROR, Unauthenticated, UnsupportedMediaType, status_for
from sniper.api.idempotency import IdempotencyKeyReused, IdempotentRequests, RequestInProgress
from sniper.api.routes import bids
from sniper.devstack.local.context import LocalLambdaContext
from sniper.domain import errors as domain
from sniper.ebay import errors as ebay
from sniper.metrics import SniperMetrics
from sniper.services.oauth_state import InvalidState, StateAlreadyUsed
from sniper.services.snipes import AlreadySniped
from tests.support.http_events import claims_for, http_event


class ScriptedBook:
    """Stands in for the Snipes service: raises what the test scripts (the map is under test)."""

    def __init__(self) -> None:
        self.raise_on_get: BaseException | None = None
        self.created: list[Any] = []

    async def get(self, user_id: str, bid_id: str) -> Any:
        assert self.raise_on_get is not None
        raise self.raise_on_get

    async def create(self, user_id: str, request: Any) -> Any:
        self.created.append((user_id, request))
        raise domain.NotFound("stop here")


@pytest.fixture
def book() -> ScriptedBook:
    return ScriptedBook()


@pytest.fixture
def app(book: ScriptedBook) -> HttpApp:
    logger = Logger(service="error-map-test", level="DEBUG")
    # No Idempotency-Key is sent here, so its records are never reached.
    idempotent = IdempotentRequests(None, correlation_id=logger.get_correlation_id)  # type: ignore[arg-type]
    metrics = SniperMetrics(namespace="error-map-test", service="error-map-test")
    router = bids.build_router(book, idempotent, metrics)  # type: ignore[arg-type]
    return HttpApp([router], logger)


async def _get(app: HttpApp, claims: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    event = http_event(
        "GET",
        "/bids/{bidId}",
        path_parameters={"bidId": "B1"},
        claims=claims if claims is not None else claims_for("u-1"),
    )
    result = await app(event, LocalLambdaContext("test"))
    return result["statusCode"], json.loads(result["body"])


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (domain.InvalidInput("bad", field="x"), 400, "invalid_input"),
        (InvalidState("bad", field="state"), 400, "invalid_state"),
        (StateAlreadyUsed("used", field="state"), 400, "state_already_used"),
        (UnsupportedMediaType("json", field="Content-Type"), 415, "unsupported_media_type"),
        (IdempotencyKeyReused("other body"), 422, "idempotency_key_reused"),
        (domain.NotFound("no"), 404, "not_found"),
        (domain.IllegalTransition("no"), 409, "illegal_transition"),
        (domain.SignatureInvalid("no"), 412, "signature_invalid"),
        (domain.EbayLinkRequired("link"), 422, "ebay_link_required"),
        (ebay.BidTooLow(120008), 422, "bid_too_low"),
        (ebay.InvalidGrant("no", oauth_error="invalid_grant"), 422, "ebay_link_broken"),
        (
            ebay.InvalidClient("bad-cred-detail", oauth_error="invalid_client"),
            502,
            "ebay_invalid_client",
        ),
        (ebay.EbayUnavailable("eBay-down-detail"), 503, "upstream_unavailable"),
    ],
)
async def test_domain_errors_map_to_statuses(
    app: HttpApp, book: ScriptedBook, error: Exception, status: int, code: str
) -> None:
    book.raise_on_get = error
    got_status, body = await _get(app)
    assert got_status == status
    assert body["error"]["code"] == code
    if status < 500:
        assert body["error"]["message"] == str(error)
    else:
        assert str(error) not in json.dumps(body)  # 5xx bodies never carry the inner text
    assert body["error"]["correlationId"]


async def test_a_conflict_with_an_existing_snipe_names_it(app: HttpApp, book: ScriptedBook) -> None:
    book.raise_on_get = AlreadySniped("01JEXISTINGSNIPE0000000000")
    status, body = await _get(app)
    assert status == 409
    assert body["error"]["code"] == "already_sniped"
    assert body["error"]["bidId"] == "01JEXISTINGSNIPE0000000000"
    assert body["error"]["field"] == "itemId"


async def test_a_request_in_progress_says_when_to_retry(app: HttpApp, book: ScriptedBook) -> None:
    book.raise_on_get = RequestInProgress("wait")
    event = http_event(
        "GET", "/bids/{bidId}", path_parameters={"bidId": "B1"}, claims=claims_for("u")
    )
    result = await app(event, LocalLambdaContext("test"))
    assert result["statusCode"] == 409
    assert result["headers"]["Retry-After"] == "1"
    assert "bidId" not in json.loads(result["body"])["error"]


async def test_unexpected_errors_are_a_generic_500(app: HttpApp, book: ScriptedBook) -> None:
    book.raise_on_get = RuntimeError("secret-internal-detail at line 42")
    status, body = await _get(app)
    assert status == 500
    assert body["error"]["code"] == "internal"
    text = json.dumps(body)
    assert "secret-internal-detail" not in text and "Traceback" not in text
    assert body["error"]["correlationId"]


async def test_missing_claims_are_401(app: HttpApp) -> None:
    status, body = await _get(app, claims={"email": "no-sub@example.com"})
    assert status == 401 and body["error"]["code"] == "unauthenticated"
    event = http_event("GET", "/bids/{bidId}", path_parameters={"bidId": "B1"}, claims=None)
    result = await app(event, LocalLambdaContext("test"))
    assert result["statusCode"] == 401


async def test_bad_bodies_never_reach_the_service(app: HttpApp, book: ScriptedBook) -> None:
    event = http_event(
        "POST",
        "/bids",
        claims=claims_for("u-1"),
        body={"itemId": "123456789012", "maxBid": {"value": "1.001", "currency": "USD"}},
    )
    result = await app(event, LocalLambdaContext("test"))
    body = json.loads(result["body"])
    assert result["statusCode"] == 400
    assert body["error"] == {**body["error"], "code": "invalid_money", "field": "maxBid.value"}
    assert book.created == []


def test_every_domain_error_class_has_a_status() -> None:
    for kind in (
        domain.InvalidInput,
        domain.InvalidMoney,
        domain.CurrencyMismatch,
        domain.NotFound,
        domain.Conflict,
        domain.IllegalTransition,
        domain.BusinessRuleViolation,
        domain.EbayLinkRequired,
        domain.EbayLinkBroken,
        domain.UpstreamUnavailable,
        Unauthenticated,
        UnsupportedMediaType,
        RequestInProgress,
        IdempotencyKeyReused,
    ):
        assert status_for(kind("x")) in {s for _, s in STATUS_BY_ERROR}
