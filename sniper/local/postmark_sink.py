"""A local stand-in for Postmark's email API that keeps every message it receives.

It accepts what postmarker sends (`POST /email`, `POST /email/batch`, with the
X-Postmark-Server-Token header), answers as Postmark does, and writes each message as a JSON file
into a directory, named so that sorting the names gives the order of arrival. Tests (and a
developer running the local stack) read them back with `messages()`.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from sniper.local.serving import serve

TOKEN_HEADER = "X-Postmark-Server-Token"  # noqa: S105 - a header name, not a secret


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"ErrorCode": code, "Message": message}, status=status)


class PostmarkSink:
    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.url: str | None = None
        self._runner: web.AppRunner | None = None
        self._last_ns = 0
        self._arrived = asyncio.Condition()

    # ------------------------------------------------------------------ lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        app = web.Application()
        app.router.add_post("/email", self._single)
        app.router.add_post("/email/batch", self._batch)
        self._runner, self.url = await serve(app, host, port)
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ reading back
    def messages(self) -> list[dict[str, Any]]:
        """Every stored message in order of arrival: the JSON Postmark received, plus the
        `MessageID` and `SubmittedAt` the sink answered with."""
        return [json.loads(path.read_text()) for path in sorted(self.directory.glob("*.json"))]

    def clear(self) -> None:
        for path in self.directory.glob("*.json"):
            path.unlink()

    async def wait_for(self, count: int, timeout_s: float = 5.0) -> list[dict[str, Any]]:
        """Wait until at least `count` messages are stored (for senders that do not wait)."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(list(self.directory.glob("*.json"))) >= count),
                timeout_s,
            )
        return self.messages()

    # ------------------------------------------------------------------ the API
    async def _single(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        message = await self._body(request)
        if not isinstance(message, dict):
            return _error(422, 402, "Invalid JSON: expected one message object")
        answer = await self._accept(message)
        return web.json_response(answer, status=200 if answer["ErrorCode"] == 0 else 422)

    async def _batch(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        messages = await self._body(request)
        if not isinstance(messages, list):
            return _error(422, 402, "Invalid JSON: expected a list of messages")
        return web.json_response([await self._accept(m) for m in messages])

    def _check(self, request: web.Request) -> web.Response | None:
        if not request.headers.get(TOKEN_HEADER):
            # Postmark's own answer when no token is sent.
            return _error(
                401, 10, "No Account or Server API tokens were supplied in the HTTP headers."
            )
        return None

    async def _body(self, request: web.Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            return None

    async def _accept(self, message: Any) -> dict[str, Any]:
        if not isinstance(message, dict) or not message.get("To") or not message.get("From"):
            return {"ErrorCode": 300, "Message": "Invalid email request: From and To are required"}
        if not (message.get("TextBody") or message.get("HtmlBody")):
            return {
                "ErrorCode": 300,
                "Message": "Provide either email TextBody or HtmlBody or both.",
            }
        message_id = str(uuid.uuid4())
        submitted = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        stored = {**message, "MessageID": message_id, "SubmittedAt": submitted}
        # Named by arrival: wall-clock ns (so runs sharing a directory stay in order), forced to
        # increase so two messages in the same tick (or a clock step back) keep their order.
        self._last_ns = max(time.time_ns(), self._last_ns + 1)
        name = f"{self._last_ns:020d}-{message_id}.json"
        (self.directory / name).write_text(json.dumps(stored, indent=2, sort_keys=True))
        async with self._arrived:
            self._arrived.notify_all()
        return {
            "To": message["To"],
            "SubmittedAt": submitted,
            "MessageID": message_id,
            "ErrorCode": 0,
            "Message": "OK",
        }
