"""The one exception map: domain errors -> HTTP statuses with stable codes.

A 4xx body says what was wrong in terms a client can act on (code, message, field). A 5xx body
never carries the exception's text: only its stable code and the correlation id to quote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol, runtime_checkable

import msgspec
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from sniper.domain.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidInput,
    NotFound,
    SignatureInvalid,
    SniperError,
    UpstreamUnavailable,
)


class Unauthenticated(SniperError):
    """The request carries no verified identity (no JWT claims on an authorized route)."""

    code = "unauthenticated"


class UnsupportedMediaType(SniperError):
    """A body declared as something other than JSON (or not declared at all)."""

    code = "unsupported_media_type"


@runtime_checkable
class NamesSnipe(Protocol):
    """An error about a snipe the caller already has: its id goes into `error.bidId`."""

    bid_id: str


@runtime_checkable
class AsksToRetry(Protocol):
    """An error that clears by itself: its delay goes into the Retry-After header."""

    retry_after_seconds: int


class ErrorDetail(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    code: str
    message: str
    field: str | None = None
    bid_id: str | None = None  # the existing snipe a 409 is about: GET /bids/{bidId}
    correlation_id: str | None = None


class ErrorBody(msgspec.Struct, frozen=True, kw_only=True):
    error: ErrorDetail


# First match wins, so subclasses that answer differently from their parent come first.
STATUS_BY_ERROR: Final[tuple[tuple[type[SniperError], int], ...]] = (
    (Unauthenticated, 401),
    (InvalidInput, 400),
    (UnsupportedMediaType, 415),
    (NotFound, 404),
    (Conflict, 409),
    (SignatureInvalid, 412),  # what eBay expects from a notification endpoint
    (BusinessRuleViolation, 422),
    (UpstreamUnavailable, 503),
)
# A SniperError no row above claims comes from an outside system that answered unusably
# (eBay refused our app credentials, KMS cannot read a stored token): a bad gateway.
UNCLASSIFIED_STATUS: Final = 502

_SERVER_MESSAGES: Final = {
    502: "a service we depend on answered in a way we could not use",
    503: "a service we depend on is unavailable; try again shortly",
}
INTERNAL_MESSAGE: Final = (
    "something went wrong on our side; quote the correlation id if you report it"
)

_encode = msgspec.json.Encoder().encode


def status_for(error: SniperError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return UNCLASSIFIED_STATUS


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    bid_id: str | None = None,
    correlation_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    detail = ErrorDetail(
        code=code, message=message, field=field, bid_id=bid_id, correlation_id=correlation_id
    )
    return Response(
        status_code=status,
        content_type="application/json",
        body=_encode(ErrorBody(error=detail)).decode(),
        headers=headers,
    )


def response_for(error: SniperError, correlation_id: str | None) -> Response[str]:
    status = status_for(error)
    if status >= 500:
        return error_response(
            status, error.code, _SERVER_MESSAGES[status], correlation_id=correlation_id
        )
    return error_response(
        status,
        error.code,
        error.message,
        field=error.field,
        bid_id=error.bid_id if isinstance(error, NamesSnipe) else None,
        correlation_id=correlation_id,
        headers=(
            {"Retry-After": str(error.retry_after_seconds)}
            if isinstance(error, AsksToRetry)
            else None
        ),
    )


def install_error_map(
    resolver: APIGatewayHttpResolver,
    logger: Logger,
    correlation_id: Callable[[], str | None],
) -> None:
    """Register the map on a resolver: domain errors, unknown routes, and everything else."""

    def domain_error(error: SniperError) -> Response[str]:
        response = response_for(error, correlation_id())
        # The code and status only: messages may quote input, which may be sensitive.
        log = logger.warning if response.status_code >= 500 else logger.info
        log(
            "request refused",
            extra={
                "errorCode": error.code,
                "status": response.status_code,
                "errorType": type(error).__name__,
            },
        )
        return response

    def unknown_route(error: NotFoundError) -> Response[str]:
        return error_response(
            404, "route_not_found", "no such route", correlation_id=correlation_id()
        )

    def unexpected(error: Exception) -> Response[str]:
        logger.exception("unhandled error", extra={"errorType": type(error).__name__})
        return error_response(500, "internal", INTERNAL_MESSAGE, correlation_id=correlation_id())

    resolver.exception_handler(SniperError)(domain_error)
    resolver.exception_handler(NotFoundError)(unknown_route)
    resolver.exception_handler(Exception)(unexpected)
