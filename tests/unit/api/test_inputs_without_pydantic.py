"""Routes take their inputs through Powertools' Depends() with validation off: a request, from
the caller's claims to the decoded query, loads no pydantic (with validation on, pydantic and
Powertools' OpenAPI models cost about 70 ms at a function's first request)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

CODE = """
import asyncio, json, sys
from aws_lambda_powertools import Logger
from sniper.api.app import HttpApp
from sniper.api.routes import history
from sniper.devstack.local.context import LocalLambdaContext
from tests.fakes.stores import FakeHistoryStore
from tests.support.http_events import claims_for, http_event

app = HttpApp([history.build_router(FakeHistoryStore())], Logger(service="t", level="ERROR"))
event = http_event("GET", "/bid-history", claims=claims_for("u-1"), query={"outcome": "WON"})
answer = asyncio.run(app(event, LocalLambdaContext("t")))
print(json.dumps([answer["statusCode"], any(m.startswith("pydantic") for m in sys.modules)]))
"""


def test_a_request_through_depends_loads_no_pydantic() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CODE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    status, pydantic = json.loads(done.stdout)
    assert status == 200  # the route ran, its inputs read through Depends
    assert not pydantic


def test_what_depends_reads_has_no_postponed_annotations() -> None:
    """Powertools 3 resolves a route's and its inputs' annotations with get_type_hints on every
    request; postponed (string) annotations are compiled and evaluated anew each time, about
    0.2 ms a request (benchmarks/api_overhead.py). So these modules annotate eagerly."""
    import __future__

    import importlib
    import pkgutil

    import sniper.api.routes

    names = ["sniper.api.inputs"] + [
        f"sniper.api.routes.{info.name}"
        for info in pkgutil.iter_modules(sniper.api.routes.__path__)
    ]
    postponed = [
        name
        for name in names
        if getattr(importlib.import_module(name), "annotations", None) is __future__.annotations
    ]
    assert len(names) > 5
    assert postponed == []
