"""An HTTP meeting point for concurrency tests: each POST is held until `expected` callers are
there at once, then all are answered 200 with who came; a caller left waiting past `timeout_s`
is answered 504. So N calls all answered 200 prove that N ran at the same time, and serialised
calls fail in a bounded time instead of hanging."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from aiohttp import web

from sniper.devstack.local.serving import serve


class Rendezvous:
    def __init__(self, expected: int, *, timeout_s: float = 10.0) -> None:
        self.expected = expected
        self.timeout_s = timeout_s
        self.arrived: list[dict[str, Any]] = []
        self.url = ""
        self._everyone = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> Rendezvous:
        app = web.Application()
        app.router.add_post("/meet", self._meet)
        self._runner, base = await serve(app)
        self.url = f"{base}/meet"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _meet(self, request: web.Request) -> web.Response:
        self.arrived.append(await request.json())
        if len(self.arrived) >= self.expected:
            self._everyone.set()
        try:
            await asyncio.wait_for(self._everyone.wait(), self.timeout_s)
        except TimeoutError:
            return web.json_response({"met": len(self.arrived)}, status=504)
        return web.json_response({"met": len(self.arrived)})
