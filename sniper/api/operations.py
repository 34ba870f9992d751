"""Operations: each route's method, path and Structs, declared once.

A routes module lists its `OPERATIONS` (static data) and builds its Powertools Router from them
with the services it is given. The OpenAPI document is generated from the same declarations, so
the document, the routers and template.yaml's routes can be compared in a test.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

F = TypeVar("F", bound=Callable[..., Awaitable[Response[str]]])

_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class HeaderParameter:
    """A request header an operation reads (documented as an OpenAPI header parameter)."""

    name: str
    description: str
    pattern: str | None = None
    max_length: int | None = None
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # template.yaml's form: /bids/{bidId}
    operation_id: str
    summary: str
    tag: str
    response: type[Any] | None = None  # None: an empty answer
    status: int = 200
    body: type[Any] | None = None
    query: type[Any] | None = None
    authorized: bool = True
    errors: tuple[int, ...] = ()
    content_type: str = "application/json"
    headers: tuple[HeaderParameter, ...] = ()

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(re.findall(r"\{(\w+)\}", self.path))

    @property
    def powertools_rule(self) -> str:
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)


class RouteTable:
    """Binds handlers to declared operations; `router()` refuses a declared but unbound one."""

    def __init__(self, operations: tuple[Operation, ...]) -> None:
        self.operations = {op.operation_id: op for op in operations}
        self._router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]
        self._bound: set[str] = set()

    @property
    def current_event(self) -> Mapping[str, Any]:
        """The raw HTTP API v2 event. Read it before a route's first await (see ARCH notes)."""
        raw: Mapping[str, Any] = self._router.current_event.raw_event
        return raw

    def bind(self, operation: Operation) -> Callable[[F], F]:
        if operation.operation_id not in self.operations:
            raise KeyError(f"{operation.operation_id} is not one of this table's operations")

        def register(handler: F) -> F:
            self._router.route(rule=operation.powertools_rule, method=operation.method)(handler)
            self._bound.add(operation.operation_id)
            return handler

        return register

    def router(self) -> APIGatewayHttpRouter:
        unbound = set(self.operations) - self._bound
        if unbound:
            raise RuntimeError(f"operations declared without a handler: {sorted(unbound)}")
        return self._router


def json_response(
    view: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=_encode(view).decode(),
        headers=dict(headers or {}),
    )


def empty_response(status: int = 204) -> Response[str]:
    return Response(status_code=status, content_type=None, body="")
