"""The composition root: each collaborator built once per container from the function's
settings, the eBay keys read from their secret, everything released in reverse order."""

from __future__ import annotations

import json
from typing import Any

from sniper.bootstrap import Root
from sniper.config import BidHistorySettings, WishlistSettings, load_settings

ENVIRONMENT = {
    "EBAY_SECRET_ARN": "arn:ebay",
    "EBAY_ENVIRONMENT": "sandbox",
    "USERS_TABLE": "users",
    "BIDS_TABLE": "bids",
    "TOKEN_KEY_ID": "key",
}


class Clients:
    """An AWS client source that hands out recorders and notes what was asked and closed."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.closed: list[str] = []
        self.secret_reads = 0

    async def get(self, service: Any) -> Any:
        self.asked.append(service)
        return self

    async def get_secret_value(self, SecretId: str) -> dict[str, str]:
        self.secret_reads += 1
        secret = {"client_id": "app", "client_secret": "shh", "ru_name": "ru"}
        return {"SecretString": json.dumps(secret)}

    async def close(self) -> None:
        self.closed.append("aws")


async def test_the_ebay_client_is_built_once_from_the_ebay_secret() -> None:
    clients = Clients()
    root = Root(load_settings(WishlistSettings, ENVIRONMENT), service="t", clients=clients)

    first, again = await root.ebay_client(), await root.ebay_client()
    tokens = await root.ebay_tokens()

    assert first is again and tokens.oauth is first.oauth
    assert clients.secret_reads == 1
    assert "shh" not in repr(await root.ebay_credentials())  # the secret never shows
    session = first.http.session()  # type: ignore[attr-defined]  # its connections, opened
    await root.aclose()
    assert session.closed and clients.closed == ["aws"]


async def test_a_function_builds_only_what_it_asks_for() -> None:
    clients = Clients()
    root = Root(
        load_settings(BidHistorySettings, {"BID_HISTORY_TABLE": "history"}),
        service="t",
        clients=clients,
    )
    history = await root.history_repository()
    assert history.table.name == "history" and clients.asked == ["dynamodb"]
