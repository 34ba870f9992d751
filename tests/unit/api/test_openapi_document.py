"""The OpenAPI document: valid 3.1, generated from the routes, exactly the template's routes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from openapi_spec_validator import validate

from sniper.api.routes.openapi import all_operations, api_document
from sniper.devstack.local.template import Template

API_FUNCTIONS = {
    "UserManagementFunction",
    "EbayOAuthFunction",
    "WishlistSyncFunction",
    "BidManagementFunction",
    "BidHistoryFunction",
}


def _template_routes() -> set[tuple[str, str, bool]]:
    return {
        (r.method, r.path, r.authorized)
        for spec in Template.load().functions()
        for r in spec.routes
    }


def test_document_validates() -> None:
    validate(api_document())


def test_document_lists_exactly_the_templates_routes() -> None:
    document = api_document()
    documented = {
        (method.upper(), path, operation.get("security") != [])
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert documented == _template_routes()


def test_operations_match_routes_and_functions() -> None:
    declared = {(op.method, op.path, op.authorized) for op in all_operations()}
    assert declared == _template_routes()
    owners = {spec.logical_id for spec in Template.load().functions() if spec.routes}
    assert owners == API_FUNCTIONS


def test_schemas_come_from_the_structs() -> None:
    document = api_document()
    create = document["paths"]["/bids"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"itemId", "maxBid"}
    assert "201" in create["responses"] and "422" in create["responses"]
    names = {p["name"] for p in document["paths"]["/bid-history"]["get"]["parameters"]}
    assert names == {"outcome", "from", "to", "cursor", "limit"}


def test_the_api_never_imports_pydantic() -> None:
    # A fresh interpreter: other tests' libraries may have imported pydantic in this one.
    script = textwrap.dedent(
        """
        import asyncio, json, sys
        import sniper.handlers.user_management, sniper.handlers.ebay_oauth
        import sniper.handlers.wishlist_sync, sniper.handlers.bid_management
        import sniper.handlers.bid_history
        from aws_lambda_powertools import Logger
        from sniper.api.app import HttpApp
        from sniper.api.routes import openapi
        from sniper.devstack.local.context import LocalLambdaContext
        from tests.support.http_events import http_event

        logger = Logger(service="pydantic-check")
        app = HttpApp([openapi.build_router()], logger)
        result = asyncio.run(app(http_event("GET", "/openapi.json"), LocalLambdaContext("x")))
        assert result["statusCode"] == 200, result
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core"))
        print(json.dumps(loaded))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_body_routes_document_415_and_create_documents_its_idempotency_key() -> None:
    document = api_document()
    body_routes = {
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }
    assert body_routes == {
        ("/bids", "post"),
        ("/bids/{bidId}", "put"),
        ("/users/profile", "put"),
        ("/users/preferences", "put"),
        ("/ebay/auth/callback", "post"),
    }
    for path, method in body_routes:
        responses = document["paths"][path][method]["responses"]
        assert {"400", "415"} <= set(responses), (path, method)
    create = document["paths"]["/bids"]["post"]
    (key,) = [p for p in create["parameters"] if p["in"] == "header"]
    assert key["name"] == "Idempotency-Key" and key["required"] is False
    assert key["schema"]["maxLength"] == 128 and key["schema"]["pattern"].startswith("^")
    error = document["components"]["schemas"]["ErrorDetail"]["properties"]
    assert "bidId" in error
