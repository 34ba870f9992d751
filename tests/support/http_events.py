"""HTTP API v2 (payload format 2.0) events as API Gateway builds them, for calling API handlers.

`claims=None` builds an event without an authorizer (a public route, or a broken gateway).
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import quote, urlencode

DOMAIN = "abc123.execute-api.us-east-1.amazonaws.com"


def claims_for(
    user_id: str, *, email: str | None = None, name: str = "Test User"
) -> dict[str, str]:
    return {
        "sub": user_id,
        "email": email if email is not None else f"{user_id}@example.com",
        "name": name,
        "token_use": "id",
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test",
    }


def http_event(
    method: str,
    route: str,
    *,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any = None,
    raw_body: bytes | str | None = None,
    base64_body: bool = False,
    headers: dict[str, str] | None = None,
    claims: dict[str, Any] | None = None,
    domain: str = DOMAIN,
) -> dict[str, Any]:
    """`route` is the template's path (`/bids/{bidId}`); `path_parameters` fill it in."""
    params = path_parameters or {}
    raw_path = re.sub(r"\{(\w+)\}", lambda m: quote(params[m.group(1)], safe=""), route)
    if raw_body is None and body is not None:
        raw_body = json.dumps(body)
    text: str | None
    if raw_body is None:
        text = None
    elif base64_body:
        data = raw_body.encode() if isinstance(raw_body, str) else raw_body
        text = base64.b64encode(data).decode()
    else:
        text = raw_body.decode() if isinstance(raw_body, bytes) else raw_body
    all_headers = {
        "host": domain,
        "user-agent": "pytest",
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    if text is not None:
        all_headers.setdefault("content-type", "application/json")
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": raw_path,
        "rawQueryString": urlencode(query or {}),
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {route}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": base64_body,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if params:
        event["pathParameters"] = dict(params)
    if text is not None:
        event["body"] = text
    if claims is not None:
        event["requestContext"]["authorizer"] = {
            "jwt": {"claims": claims, "scopes": None},
        }
    return event
