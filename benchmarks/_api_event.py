"""An HTTP API (payload format 2.0) event built without HTTP, for calling a handler in-process.

Shaped like the local gateway's (`sniper.devstack.local.gateway.build_event`), which needs an aiohttp
request; claims arrive as API Gateway hands them over (`gateway_claims`). Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sniper.devstack.local.jwt_auth import gateway_claims, gateway_scopes


def api_event(
    method: str,
    raw_path: str,
    route_key: str,
    *,
    path_parameters: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    body: Any = None,
    claims: Mapping[str, Any] | None = None,
    request_id: str = "bench",
    time_epoch_ms: int = 0,
) -> dict[str, Any]:
    raw_query = urlencode(dict(query)) if query else ""
    headers = {"accept": "application/json", "host": "localhost", "user-agent": "bench"}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "bench"},
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": "01/Jan/2025:00:00:00 +0000",
            "timeEpoch": time_epoch_ms,
        },
        "isBase64Encoded": False,
    }  # fmt: skip
    if raw_query:
        event["queryStringParameters"] = dict(parse_qsl(raw_query, keep_blank_values=True))
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if claims is not None:
        event["requestContext"]["authorizer"] = {
            "jwt": {"claims": gateway_claims(claims), "scopes": gateway_scopes(claims)}
        }
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
        headers["content-type"] = "application/json"
    return event
