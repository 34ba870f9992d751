"""A test-only Lambda function: answers with the event it was given.

`respond` (a query parameter through the gateway, or a key of an asynchronous event) picks another
answer, to test how the gateway reads results and how the runtime runs containers:
`plain` (no statusCode), `binary` (base64 body, cookies, its own CORS header), `raise`,
`malformed` (a body that is not a string), `whoami` (its pid and the environments it sees),
`rendezvous` (POSTs to the URL in `at` and answers with what it said: see `Rendezvous`),
`hang` (writes `started` to the file `marker`, then waits for ever; a finally block would write
`cleaned up` there: only a kill keeps it from running; once the marker exists, it answers at
once), `block` (writes `blocking` to `marker`, then blocks its whole process for `seconds`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp

from sniper.runtime import App, Entrypoint

BINARY_BODY = bytes([0, 1, 2, 255, 254])


def _options(event: dict[str, Any]) -> dict[str, Any]:
    query = event.get("queryStringParameters") or {}
    return {**event, **query} if "routeKey" in event else event


def _read(marker: Path) -> str | None:
    return marker.read_text() if marker.exists() else None


def _write(marker: Path, text: str) -> None:
    marker.write_text(text)


async def build(environ: Mapping[str, str]) -> App:
    built_with = dict(environ)

    async def app(event: dict[str, Any], context: Any) -> Any:
        options = _options(event)
        respond = options.get("respond", "echo")
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
        if respond == "whoami":
            return {
                "pid": os.getpid(),
                "built_with": built_with,
                "process_environment": dict(os.environ),
                "request_id": context.aws_request_id,
                "function_name": context.function_name,
            }
        if respond == "rendezvous":
            async with (
                aiohttp.ClientSession() as http,
                http.post(options["at"], json={"pid": os.getpid()}) as answer,
            ):
                return {"statusCode": answer.status, "body": await answer.text()}
        if respond == "hang":
            marker = Path(options["marker"])
            if _read(marker) is not None:  # a retry of a killed invocation: it goes on this time
                return {"resumed": _read(marker)}
            _write(marker, "started")
            try:
                await asyncio.Event().wait()
            finally:
                _write(marker, "cleaned up")
        if respond == "block":
            if "marker" in options:
                _write(Path(options["marker"]), "blocking")
            # The whole loop stops: only the kernel can end this process now.
            time.sleep(float(options["seconds"]))
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(event),
        }

    return app


handler = Entrypoint(build)
