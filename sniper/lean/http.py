"""Keep-alive HTTP/1.1 connections per origin, pooled, on asyncio streams (no aiohttp)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from sniper.ebay.wire import WarmConnection, WireResponse


class ConnectionPool:
    """Idle connections per origin; a request borrows one (or opens one) and returns it."""

    def __init__(self, *, connect_timeout_s: float = 3.0, response_timeout_s: float = 10.0) -> None:
        self.connect_timeout_s = connect_timeout_s
        self.response_timeout_s = response_timeout_s
        self._idle: dict[str, list[WarmConnection]] = {}

    @staticmethod
    def split(url: str) -> tuple[str, str]:
        """(origin, path with query) of an absolute URL."""
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        return f"{parts.scheme}://{parts.netloc}", target

    async def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes = b"",
        *,
        response_timeout_s: float | None = None,
    ) -> WireResponse:
        origin, target = self.split(url)
        idle = self._idle.setdefault(origin, [])
        connection = (
            idle.pop()
            if idle
            else WarmConnection(
                origin,
                connect_timeout_s=self.connect_timeout_s,
                response_timeout_s=response_timeout_s or self.response_timeout_s,
            )
        )
        try:
            response = await connection.send(connection.prepare(method, target, headers, body))
        except BaseException:
            await connection.close()
            raise
        idle.append(connection)
        return response

    async def close(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                await connection.close()
        self._idle.clear()
