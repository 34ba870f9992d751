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

The options go through the executor's own firing code (`OfferRequests`, `warm_up`, `fire`,
`wait_until`), so what differs between them and the executor is the aim, not the code path.
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

from benchmarks._aims import OPTIONS, PROBES, pooled
from sniper.domain.money import Money
from sniper.domain.snipe import Snipe
from sniper.ebay.wire import WarmConnection
from sniper.events import SnipeDue
from sniper.executor.app import BID_RESPONSE_TIMEOUT_S, build
from sniper.executor.fire import SEND_MARGIN_NS, fire
from sniper.executor.prepare import OfferRequests, warm_up
from sniper.executor.timing import SystemClock
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
            option, item = OPTIONS[index], items[index]
            lead = option.lead_ns(round_trips, offset_ns=item["offsetNs"], margin_ns=SEND_MARGIN_NS)

            async def same_token() -> str:
                return token

            shot = await fire(
                requests[index], clock=SystemClock(),
                send_at_ns=item["targetNs"] - lead, close_ns=item["closeNs"], latency_ns=lead,
                refresh_token=same_token,
            )  # fmt: skip
            return {"leadNs": lead, "sentNs": shot.sent_ns, "outcome": shot.outcome.value}

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


async def _serve() -> None:
    loop = asyncio.get_running_loop()

    async def read() -> dict[str, Any] | None:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        return json.loads(line) if line.strip() else None

    def answer(payload: Any) -> None:
        sys.stdout.write(json.dumps(payload) + "\n")
        sys.stdout.flush()

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


if __name__ == "__main__":
    asyncio.run(_serve())
