"""What a route is given, read from its request by Powertools' Depends() before the route runs.

Powertools keeps the current event in a class attribute that every resolver in the process
shares, and the local stack runs concurrent invocations on one loop: a route that read the event
after an await could read another request's. A route therefore never reads the event: it
declares what it needs (`caller: SignedIn`, `body: Annotated[X, Depends(body(X))]`), and
Powertools calls these plain functions, synchronously, before the route's coroutine starts.
With validation off (sniper.api.app) Depends loads no pydantic. Annotations here are eager, not
postponed: see sniper/api/routes/__init__.py.
"""

from collections.abc import Callable, Mapping
from functools import cache
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import Depends, Request

from sniper.api.decoding import decode_query, event_body, header, json_body
from sniper.api.identity import caller_of
from sniper.services.callers import Caller

T = TypeVar("T")


def raw_event(request: Request) -> Mapping[str, Any]:
    """The HTTP API v2 event, as API Gateway sent it."""
    event: Mapping[str, Any] = request.resolved_event.raw_event
    return event


def signed_in(request: Request) -> Caller:
    return caller_of(raw_event(request))


# The caller of an authorized route, from the JWT claims API Gateway verified.
SignedIn = Annotated[Caller, Depends(signed_in)]


def raw_body(request: Request) -> bytes:
    return event_body(raw_event(request))


# The body's bytes as sent (a signed body is verified over exactly these).
RawBody = Annotated[bytes, Depends(raw_body)]


@cache
def body(kind: type[T]) -> Callable[[Request], T]:
    """The JSON body as `kind` (one function per kind: Depends caches and overrides by it)."""

    def decoded_body(request: Request) -> T:
        return json_body(raw_event(request), kind)

    return decoded_body


@cache
def query(kind: type[T]) -> Callable[[Request], T]:
    """The query string as `kind`."""

    def decoded_query(request: Request) -> T:
        return decode_query(raw_event(request).get("queryStringParameters"), kind)

    return decoded_query


@cache
def request_header(name: str) -> Callable[[Request], str | None]:
    """One request header, or None."""

    def read_header(request: Request) -> str | None:
        return header(raw_event(request), name)

    return read_header
