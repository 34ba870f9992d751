"""Serve an aiohttp app on a loopback port (0 = any free one) and report its URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web


async def serve(
    app: web.Application, host: str = "127.0.0.1", port: int = 0, **handler_args: Any
) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None, **handler_args)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound_host, bound_port = runner.addresses[0][:2]
    return runner, f"http://{bound_host}:{bound_port}"


class LoopbackService:
    """A piece of the local stack that is one aiohttp app on a loopback port: `url` while it
    runs. A subclass says what its app is (`application`) and how aiohttp should serve it."""

    handler_args: Mapping[str, Any] = {}

    def __init__(self) -> None:
        self.url: str | None = None
        self._runner: web.AppRunner | None = None

    def application(self) -> web.Application:
        raise NotImplementedError

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner, self.url = await serve(self.application(), host, port, **self.handler_args)
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
