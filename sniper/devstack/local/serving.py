"""Serve an aiohttp app on a loopback port (0 = any free one) and report its URL."""

from __future__ import annotations

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
