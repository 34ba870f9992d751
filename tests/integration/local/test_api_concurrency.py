"""API functions under concurrency, as API Gateway runs them: each concurrent request in its own
container. Locally, in-process containers share one loop, and Powertools keeps the current event
in a class attribute; so a route must read the event before its first await, or it could read
another request's. Both are checked: every route's source, and requests that really interleave."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

from sniper.devstack.local.stack import LocalStack
from tests.fixtures.stack import ApiUserFactory

ROUTES = Path(__file__).resolve().parents[3] / "sniper" / "api" / "routes"


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


def _position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def test_every_route_reads_the_event_before_its_first_await() -> None:
    late: list[str] = []
    checked = 0
    for path in sorted(ROUTES.glob("*.py")):
        for route in _routes(ast.parse(path.read_text(), filename=str(path))):
            checked += 1
            inside = list(ast.walk(route))
            awaits = [_position(n) for n in inside if isinstance(n, ast.Await)]
            reads = [
                _position(n)
                for n in inside
                if isinstance(n, ast.Attribute) and n.attr in ("current_event", "raw_event")
            ]
            if awaits and reads and max(reads) > min(awaits):
                late.append(f"{path.name}:{max(reads)[0]} {route.name}")
    assert checked >= 20, "the routes were not found"
    assert late == [], f"routes that read the event after an await: {late}"


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
