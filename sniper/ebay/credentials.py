"""Our eBay application's keys. The secret must never reach a log line or a traceback."""

from __future__ import annotations

import base64
from typing import Any

import msgspec


class AppCredentials(msgspec.Struct, frozen=True, kw_only=True):
    client_id: str  # eBay's "App ID"
    client_secret: str  # eBay's "Cert ID"
    ru_name: str  # the RuName eBay maps to our OAuth redirect URL

    def __repr__(self) -> str:
        return (
            f"AppCredentials(client_id={self.client_id!r}, client_secret='***', "
            f"ru_name={self.ru_name!r})"
        )

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:  # msgspec's default would show all
        return [("client_id", self.client_id), ("client_secret", "***"), ("ru_name", self.ru_name)]

    def basic_authorization(self) -> str:
        """The token endpoint's `Authorization` header value."""
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
