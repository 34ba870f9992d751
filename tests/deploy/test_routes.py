"""Every route an API function serves is an HttpApi event of that function in template.yaml,
and every event is served: a route missing from the template is unreachable once deployed, an
event without a route answers 404 from behind the authorizer."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

import sniper.api.routes
from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.template import Template

API_FUNCTIONS = sorted(spec.logical_id for spec in Template.load().functions() if spec.routes)


def _served(app: Any) -> set[tuple[str, str]]:
    resolver = app.resolver
    routes = resolver._static_routes + resolver._dynamic_routes
    return {(route.method, route.openapi_path) for route in routes}


def _declared_operations() -> dict[tuple[str, str], Any]:
    found = {}
    for info in pkgutil.iter_modules(sniper.api.routes.__path__):
        module = importlib.import_module(f"sniper.api.routes.{info.name}")
        for operation in getattr(module, "OPERATIONS", ()):
            found[(operation.method.upper(), operation.path)] = operation
    return found


def test_there_are_api_functions() -> None:
    assert len(API_FUNCTIONS) == 5


@pytest.mark.parametrize("logical_id", API_FUNCTIONS)
async def test_served_routes_are_the_template_events(
    local_aws: LocalAws, template: Template, logical_id: str
) -> None:
    spec = template.function(logical_id)
    module = importlib.import_module(spec.module)
    app = await module.build(local_aws.function_environment(logical_id))
    try:
        served = _served(app)
    finally:
        await app.aclose()
    assert served == {(route.method, route.path) for route in spec.routes}


def test_every_event_has_the_authorization_its_operation_declares(template: Template) -> None:
    operations = _declared_operations()
    for spec in template.functions():
        for route in spec.routes:
            operation = operations.get((route.method, route.path))
            assert operation is not None, f"{route.method} {route.path}: no declared operation"
            assert operation.authorized == route.authorized, f"{route.method} {route.path}"
