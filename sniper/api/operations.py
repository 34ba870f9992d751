"""Operations: each route's method, path and Structs, declared once.

A routes module lists its `OPERATIONS` (static data) and builds its Powertools Router from them
with the services it is given. The OpenAPI document is generated from the same declarations, so
the document, the routers and template.yaml's routes can be compared in a test.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

import msgspec
from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from sniper.api.inputs import body, query

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
    """Binds handlers to declared operations; `router()` refuses a declared but unbound one.

    A handler takes its inputs as parameters Powertools' Depends() fills in (sniper.api.inputs);
    binding refuses one whose body or query is not the operation's declared Struct."""

    def __init__(self, operations: tuple[Operation, ...]) -> None:
        self.operations = {op.operation_id: op for op in operations}
        self._router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]
        self._bound: set[str] = set()

    def bind(self, operation: Operation) -> Callable[[F], F]:
        if operation.operation_id not in self.operations:
            raise KeyError(f"{operation.operation_id} is not one of this table's operations")

        def register(handler: F) -> F:
            declared = (operation.body, operation.query)
            if read_structs(handler) != declared:
                raise TypeError(
                    f"{handler.__name__} reads (body, query) {read_structs(handler)}, "
                    f"but {operation.operation_id} declares {declared}"
                )
            self._router.route(rule=operation.powertools_rule, method=operation.method)(handler)
            self._bound.add(operation.operation_id)
            return handler

        return register

    def router(self) -> APIGatewayHttpRouter:
        unbound = set(self.operations) - self._bound
        if unbound:
            raise RuntimeError(f"operations declared without a handler: {sorted(unbound)}")
        return self._router


def read_structs(handler: Callable[..., Any]) -> tuple[type[Any] | None, type[Any] | None]:
    """(body, query): the Structs a handler's parameters have Depends() decode."""
    found: list[type[Any] | None] = [None, None]
    for hint in get_type_hints(handler, include_extras=True).values():
        if get_origin(hint) is not Annotated:
            continue
        kind, *extras = get_args(hint)
        for extra in extras:
            if isinstance(extra, Depends) and isinstance(kind, type):
                if extra.dependency is body(kind):
                    found[0] = kind
                elif extra.dependency is query(kind):
                    found[1] = kind
    return found[0], found[1]


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
