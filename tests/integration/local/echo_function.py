"""A test-only Lambda function behind the local gateway: answers with the event it was given.

The query parameter `respond` picks another answer, to test how the gateway reads results:
`plain` (no statusCode), `binary` (base64 body, cookies, its own CORS header), `raise`,
`malformed` (a body that is not a string), `overlap` (records how many invocations run at once).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Mapping
from typing import Any

from sniper.runtime import App, Entrypoint

BINARY_BODY = bytes([0, 1, 2, 255, 254])


class Overlap:
    active = 0
    peak = 0
    calls = 0


async def build(environ: Mapping[str, str]) -> App:
    async def app(event: dict[str, Any], context: Any) -> Any:
        respond = (event.get("queryStringParameters") or {}).get("respond", "echo")
        if respond == "plain":
            return {"plain": True, "routeKey": event["routeKey"]}
        if respond == "binary":
            return {
                "statusCode": 201,
                "headers": {
                    "Content-Type": "application/octet-stream",
                    "Access-Control-Allow-Origin": "*",
                    "X-Echo": "yes",
                },
                "cookies": ["first=1; Path=/", "second=2; HttpOnly"],
                "body": base64.b64encode(BINARY_BODY).decode(),
                "isBase64Encoded": True,
            }
        if respond == "raise":
            raise RuntimeError("the echo function was asked to fail")
        if respond == "malformed":
            return {"statusCode": 200, "body": {"not": "a string"}}
        if respond == "overlap":
            Overlap.active += 1
            Overlap.calls += 1
            Overlap.peak = max(Overlap.peak, Overlap.active)
            # Real time is the point: a window in which a second invocation would overlap.
            await asyncio.sleep(0.02)
            Overlap.active -= 1
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(event),
        }

    return app


handler = Entrypoint(build)
