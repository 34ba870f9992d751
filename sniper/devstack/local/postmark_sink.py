"""A local stand-in for Postmark's email API that keeps every message it receives.

It accepts what postmarker sends (`POST /email`, `POST /email/batch`, with the
X-Postmark-Server-Token header), answers as Postmark does, and writes each message as a JSON file
into a directory, named so that sorting the names gives the order of arrival. Tests (and a
developer running the local stack) read them back with `messages()`.

Like Postmark it answers the outbound message search (`GET /messages/outbound`, with
`metadata_<field>=<value>` filters), which the notifier uses to learn whether an email whose
answer it lost was sent. Faults can be injected as for the eBay simulator: `fail_next(...)`
makes the next messages be accepted and then answered late (past the client's timeout) or with
a 500, the two ways an email gets sent while its sender believes it failed.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from aiohttp import web

from sniper.devstack.local.serving import LoopbackService

TOKEN_HEADER = "X-Postmark-Server-Token"  # noqa: S105 - a header name, not a secret


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"ErrorCode": code, "Message": message}, status=status)


@dataclass
class SinkFault:
    """The next `count` messages are stored, then answered `late` (after `delay_s`) or with a
    500 (`error`): the sender cannot tell that they were sent."""

    kind: Literal["late", "error"]
    count: int = 1
    delay_s: float = 15.0


class PostmarkSink(LoopbackService):
    def __init__(self, directory: Path | str) -> None:
        super().__init__()
        self.directory = Path(directory)
        self._last_ns = 0
        self._arrived = asyncio.Condition()
        self._faults: list[SinkFault] = []

    # ------------------------------------------------------------------ lifecycle
    def application(self) -> web.Application:
        self.directory.mkdir(parents=True, exist_ok=True)
        app = web.Application()
        app.router.add_post("/email", self._single)
        app.router.add_post("/email/batch", self._batch)
        app.router.add_get("/messages/outbound", self._search)
        return app

    # ------------------------------------------------------------------ reading back
    def messages(self) -> list[dict[str, Any]]:
        """Every stored message in order of arrival: the JSON Postmark received, plus the
        `MessageID` and `SubmittedAt` the sink answered with."""
        return [json.loads(path.read_text()) for path in sorted(self.directory.glob("*.json"))]

    def clear(self) -> None:
        for path in self.directory.glob("*.json"):
            path.unlink()
        self._faults.clear()

    def fail_next(self, fault: SinkFault) -> None:
        self._faults.append(fault)

    def _take_fault(self) -> SinkFault | None:
        while self._faults and self._faults[0].count <= 0:
            self._faults.pop(0)
        if not self._faults:
            return None
        fault = self._faults[0]
        fault.count -= 1
        return fault

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
        message = await self._payload(request, dict, "one message object")
        if isinstance(message, web.Response):
            return message
        answer = await self._accept(message)
        if answer["ErrorCode"] == 0:
            fault = self._take_fault()
            if fault is not None and fault.kind == "late":
                await asyncio.sleep(fault.delay_s)  # the injected fault itself: an answer late
            elif fault is not None:
                return _error(500, 0, "Internal server error (injected after the message was kept)")
        return web.json_response(answer, status=200 if answer["ErrorCode"] == 0 else 422)

    async def _search(self, request: web.Request) -> web.Response:
        refused = self._check(request)
        if refused is not None:
            return refused
        try:
            count = int(request.query["count"])
            offset = int(request.query["offset"])
        except (KeyError, ValueError):
            return _error(422, 701, "count and offset are required query parameters.")
        wanted = {
            name.removeprefix("metadata_"): value
            for name, value in request.query.items()
            if name.startswith("metadata_")
        }
        if len(wanted) > 1:
            return _error(422, 701, "You can only search by a single metadata field at a time.")
        found = [
            m
            for m in reversed(self.messages())
            if all((m.get("Metadata") or {}).get(k) == v for k, v in wanted.items())
        ]
        page = [
            {
                "MessageID": m["MessageID"],
                "To": [{"Email": m["To"], "Name": None}],
                "Recipients": [m["To"]],
                "ReceivedAt": m["SubmittedAt"],
                "From": m["From"],
                "Subject": m.get("Subject"),
                "Tag": m.get("Tag"),
                "Status": "Sent",
                "Metadata": m.get("Metadata") or {},
                "MessageStream": m.get("MessageStream", "outbound"),
            }
            for m in found[offset : offset + count]
        ]
        return web.json_response({"TotalCount": len(found), "Messages": page})

    async def _batch(self, request: web.Request) -> web.Response:
        messages = await self._payload(request, list, "a list of messages")
        if isinstance(messages, web.Response):
            return messages
        return web.json_response([await self._accept(m) for m in messages])

    async def _payload(
        self, request: web.Request, shape: type[Any], described: str
    ) -> Any | web.Response:
        """The request's JSON, when it carries a token and is `shape`; else Postmark's refusal."""
        refused = self._check(request)
        if refused is not None:
            return refused
        payload = await self._body(request)
        if not isinstance(payload, shape):
            return _error(422, 402, f"Invalid JSON: expected {described}")
        return payload

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
