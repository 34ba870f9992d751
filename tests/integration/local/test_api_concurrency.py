"""API functions under concurrency, as API Gateway runs them: each concurrent request in its own
container. Locally, in-process containers share one loop, and Powertools keeps the current event
in a class attribute; so a route must not read the event once it has awaited, or it could read
another request's. Routes never read it: Depends() hands them what they need, read by plain
functions before the route's coroutine starts (sniper/api/inputs.py). Both are checked: the
routes and their dependencies, and requests that really interleave."""

from __future__ import annotations

import ast
import asyncio
import inspect
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.depends import build_dependency_tree

from sniper.api.app import HttpApp
from sniper.api.routes import account_deletion, bids, ebay_auth, history, openapi, users, wishlist
from sniper.devstack.local.stack import LocalStack
from tests.fixtures.stack import ApiUserFactory

ROUTES = Path(__file__).resolve().parents[3] / "sniper" / "api" / "routes"
EVENT_READS = ("current_event", "raw_event", "resolved_event", "request", "lambda_context")


def _routes(module: ast.Module) -> list[ast.AsyncFunctionDef]:
    """The functions bound to an operation: `@table.bind(OPERATION)`."""
    return [
        node
        for node in ast.walk(module)
        if isinstance(node, ast.AsyncFunctionDef)
        and any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "bind"
            for d in node.decorator_list
        )
    ]


def test_no_route_reads_the_event_itself() -> None:
    reading: list[str] = []
    checked = 0
    for path in sorted(ROUTES.glob("*.py")):
        for route in _routes(ast.parse(path.read_text(), filename=str(path))):
            checked += 1
            reading += [
                f"{path.name}:{node.lineno} {route.name} reads .{node.attr}"
                for node in ast.walk(route)
                if isinstance(node, ast.Attribute) and node.attr in EVENT_READS
            ]
    assert checked >= 20, "the routes were not found"
    assert reading == [], "a route reads the event: take it through Depends() instead"


def _handlers() -> list[Any]:
    """Every bound route, from routers built as the functions build them (the services are only
    called by a request, so none is needed to look at the routes)."""
    none: Any = None
    routers = [
        bids.build_router(none, none, none),
        ebay_auth.build_router(none),
        history.build_router(none),
        users.build_router(none, none),
        wishlist.build_router(none),
        account_deletion.build_router(none, none),
        openapi.build_router(),
    ]
    return [handler for router in routers for handler in router._routes.values()]


def _dependencies(function: Any) -> list[Any]:
    found = []
    for hint in get_type_hints(function, include_extras=True).values():
        if get_origin(hint) is Annotated:
            found += [e.dependency for e in get_args(hint)[1:] if isinstance(e, Depends)]
    return found


def test_what_routes_are_given_is_read_before_they_run() -> None:
    handlers = _handlers()
    assert len(handlers) >= 20
    pending = [dep for handler in handlers for dep in _dependencies(handler)]
    assert pending, "no route declares a dependency"
    seen = set()
    while pending:
        dependency = pending.pop()
        if dependency in seen:
            continue
        seen.add(dependency)
        # Powertools calls a dependency and injects what it returns: a coroutine function would
        # hand the route a coroutine, to be awaited (and the event read) later.
        assert not inspect.iscoroutinefunction(dependency), dependency
        pending += _dependencies(dependency)
    # A middleware would run first and may await (or run in a thread) before Depends reads.
    app = HttpApp([bids.build_router(None, None, None)], Logger(service="t"))  # type: ignore[arg-type]
    assert app.resolver._router_middlewares == []
    # Powertools resolves them once the route is found, before it calls the route: the same
    # dependencies it would resolve are the ones read above.
    assert all(
        {node.depends.dependency for node in build_dependency_tree(h).dependencies}
        == set(_dependencies(h))
        for h in handlers
    )


async def test_interleaved_requests_each_get_their_own_answer(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    calls = 6
    users = [await api_user(name=f"Concurrent {index}") for index in range(calls)]
    functions = clean_stack.functions
    assert functions is not None
    # Every DynamoDB call held 200 ms: all six requests are parked inside their awaits together.
    clean_stack.aws_faults.add("dynamodb", "*", delay_ms=200, count=None, for_s=30)

    async def rename(index: int) -> tuple[int, dict[str, Any]]:
        body = {"name": f"Renamed {index}"}
        async with users[index].client.put("/users/profile", json=body) as response:
            return response.status, await response.json()

    answers = await asyncio.gather(*(rename(index) for index in range(calls)))

    assert [status for status, _ in answers] == [200] * calls
    for index, (_, profile) in enumerate(answers):
        assert profile["userId"] == users[index].user_id
        assert profile["name"] == f"Renamed {index}"
    assert functions.pool.peak_busy["UserManagementFunction"] == calls
    assert len(clean_stack.aws_faults.injected) >= calls  # the holds did apply
