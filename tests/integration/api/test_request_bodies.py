"""Every route with a body reads it the same way: JSON declared as JSON, valid UTF-8, or a 4xx
in the API's error shape (never a 500, never a body taken for JSON that was declared otherwise).

The body routes are found from the declared operations and sent to the function template.yaml
routes them to, so a new body route is covered without being listed here.
"""

from __future__ import annotations

import pytest

from sniper.api.routes.openapi import all_operations
from sniper.devstack.local.aws import LocalAws
from tests.integration.api.conftest import ApiApps, Sim, link_ebay
from tests.support.http_events import claims_for, http_event

BODY_ROUTES = sorted((op.method, op.path) for op in all_operations() if op.body is not None)
INVALID_UTF8 = b'{"name": "caf\xe9", "code": "\xff\xfe", "itemId": "\xc3"}'
JSON_TEXT = '{"name": "Ada"}'


def _function_for(aws: LocalAws, method: str, path: str) -> str:
    for spec in aws.template.functions():
        if any((route.method, route.path) == (method, path) for route in spec.routes):
            return spec.logical_id
    raise KeyError((method, path))


def _path_parameters(path: str) -> dict[str, str] | None:
    return {"bidId": "01JAAAAAAAAAAAAAAAAAAAAAAA"} if "{bidId}" in path else None


def test_the_body_routes_are_the_ones_we_mean() -> None:
    assert BODY_ROUTES == [
        ("POST", "/bids"),
        ("POST", "/ebay/auth/callback"),
        ("PUT", "/bids/{bidId}"),
        ("PUT", "/users/preferences"),
        ("PUT", "/users/profile"),
    ]


@pytest.fixture
async def linked(api: ApiApps, sim: Sim, user_id: str) -> str:
    await link_ebay(api, sim, user_id, "sniper_buyer")
    return user_id


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
async def test_invalid_utf8_is_400_at_the_body(
    api: ApiApps, local_aws: LocalAws, linked: str, method: str, path: str
) -> None:
    answer = await api.request(
        _function_for(local_aws, method, path),
        method,
        path,
        user=linked,
        path_parameters=_path_parameters(path),
        raw_body=INVALID_UTF8,
        base64_body=True,  # how API Gateway hands over bytes that are not text
        headers={"Content-Type": "application/json"},
    )
    assert answer.status == 400, answer.raw
    assert answer.error()["code"] == "invalid_input"
    assert answer.error()["field"] == "body" and "UTF-8" in answer.error()["message"]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/json; charset=iso-8859-1",
        None,
    ],
)
async def test_a_body_not_declared_as_json_is_415(
    api: ApiApps,
    local_aws: LocalAws,
    linked: str,
    method: str,
    path: str,
    content_type: str | None,
) -> None:
    event = http_event(
        method,
        path,
        path_parameters=_path_parameters(path),
        raw_body=JSON_TEXT,
        headers={"Content-Type": content_type} if content_type else {},
        claims=claims_for(linked),
    )
    if content_type is None:
        del event["headers"]["content-type"]  # http_event declares JSON for any body
    answer = await api.call(_function_for(local_aws, method, path), event)
    assert answer.status == 415, answer.raw
    assert answer.headers["Content-Type"] == "application/json"
    error = answer.error()
    assert (error["code"], error["field"]) == ("unsupported_media_type", "Content-Type")
    assert "application/json" in error["message"] and error["correlationId"]
