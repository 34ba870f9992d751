"""One executor container for the precision benchmark: a process of its own, under a CPU share.

The parent (`precision.py`) puts this process in a cgroup sized like a Lambda memory size, then
sends one JSON line per order on stdin; each gets one JSON line back on stdout:

- `{"init": {"environment": {...}, "function_name": ...}}`: build the executor's Lambda app as
  its entrypoint does (`sniper.executor.app.build(environment)`: settings, AWS clients, eBay),
  its eBay base URL being the delay proxy. Answers `{"ready": pid}`.
- `{"round": {...}}`: invoke that app with one snipe's `SnipeDue` event (claim, token, re-read,
  probes, fire, settle: a whole invocation) and, meanwhile, the aiming options (`_aims.OPTIONS`): two connections take eight
  getBidding probes each, every option computes its lead from that one series and fires its own
  bid with the executor's `fire` on its own warm connection, at its own target (spaced so their
  waits never overlap). Answers what each sent and when.

The options go through the executor's own pieces (`OfferRequests`, `warm_up`, `wait_until`, the
warm connection's one write), so what differs between them and the executor is the aim, not the
code path. They skip `fire`'s retries: a first attempt is what is measured.

Its stdout carries the answers only: whatever else writes to stdout (the executor's JSON logs, as
on Lambda) goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec

from benchmarks._aims import OPTIONS, PROBES, SEND_MARGIN_NS, pooled
from sniper.bootstrap import BID_RESPONSE_TIMEOUT_S
from sniper.clock import SystemClock
from sniper.domain.money import Money
from sniper.domain.snipe import Snipe
from sniper.ebay.errors import EbayUnavailable
from sniper.ebay.wire import WarmConnection
from sniper.events import SnipeDue
from sniper.executor.app import build
from sniper.executor.prepare import OfferRequests, warm_up
from sniper.executor.timing import wait_until
from sniper.runtime import App, close_app

MAX_BID = Money.parse("25.00", "USD")


class _Context:
    """What the executor reads of Lambda's context."""

    def __init__(self, function_name: str, timeout_s: float = 300.0) -> None:
        self.function_name = function_name
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def _snipe(user_id: str, item: dict[str, Any]) -> Snipe:
    now_ms = time.time_ns() // 1_000_000
    return Snipe(
        user_id=user_id, bid_id=uuid.uuid4().hex, item_id=item["itemId"],
        legacy_item_id=item["legacyItemId"], marketplace_id="EBAY_US", title="Benchmark camera",
        max_bid=MAX_BID, offset_seconds=item["offsetNs"] / 1e9,
        auction_end_ms=item["closeNs"] // 1_000_000, created_ms=now_ms, updated_ms=now_ms,
    )  # fmt: skip


async def _options(order: dict[str, Any], api_base: str) -> dict[str, Any]:
    token: str = order["token"]
    items: list[dict[str, Any]] = order["options"]
    connections = [
        WarmConnection(api_base, response_timeout_s=BID_RESPONSE_TIMEOUT_S) for _ in items
    ]
    requests = [
        OfferRequests(c, _snipe(order["userId"], item), token)
        for c, item in zip(connections, items, strict=True)
    ]
    try:
        # Two probe series side by side (half the wall time of one), one warm-up for the rest.
        per_series = PROBES // 2
        warms = await asyncio.gather(
            *(warm_up(r, per_series if i < 2 else 1) for i, r in enumerate(requests))
        )
        round_trips = pooled([warms[0].round_trips_ns, warms[1].round_trips_ns])

        async def shoot(index: int) -> dict[str, Any]:
            option, item, request = OPTIONS[index], items[index], requests[index]
            lead = option.lead_ns(round_trips, offset_ns=item["offsetNs"], margin_ns=SEND_MARGIN_NS)
            clock = SystemClock()
            await wait_until(clock, item["targetNs"] - lead)
            # The executor's guard: no bid that could arrive after close - margin.
            if clock.now_ns() + lead + SEND_MARGIN_NS >= item["closeNs"]:
                return {"leadNs": lead, "sentNs": None, "status": "too late"}
            try:
                response = await request.connection.send(request.place)
            except EbayUnavailable as error:
                return {"leadNs": lead, "sentNs": None, "status": str(error)}
            return {"leadNs": lead, "sentNs": response.sent_ns, "status": response.status}

        shots = await asyncio.gather(*(shoot(i) for i in range(len(items))))
        return {"roundTrips": round_trips, "shots": shots}
    finally:
        for connection in connections:
            await connection.close()


async def _round(app: App, function_name: str, order: dict[str, Any]) -> Any:
    event = msgspec.to_builtins(SnipeDue(user_id=order["userId"], bid_id=order["bidId"]))
    answer, options = await asyncio.gather(
        app(event, _Context(function_name)), _options(order, order["apiBase"])
    )
    return {"result": answer["result"], **options}


async def _serve(replies: Any) -> None:
    loop = asyncio.get_running_loop()

    async def read() -> dict[str, Any] | None:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        return json.loads(line) if line.strip() else None

    def answer(payload: Any) -> None:
        replies.write(json.dumps(payload) + "\n")
        replies.flush()

    first = await read()
    assert first is not None and "init" in first
    init = first["init"]
    app = await build(init["environment"])
    answer({"ready": os.getpid()})
    try:
        while (order := await read()) is not None:
            answer(await _round(app, init["function_name"], order["round"]))
    finally:
        await close_app(app)


def _answers_only_on_stdout() -> Any:
    """A stream on the real stdout for the answers; fd 1 itself then points at stderr."""
    replies = os.fdopen(os.dup(1), "w")
    sys.stdout.flush()
    os.dup2(2, 1)
    return replies


if __name__ == "__main__":
    asyncio.run(_serve(_answers_only_on_stdout()))
