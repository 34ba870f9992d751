"""The demo's hands: HTTP only, as a user's browser and a test harness would.

The public API through the gateway (with the ID token of a Cognito sign-in), the simulator's
admin API under /sim/ (the world: auctions, rivals, the watch list, what bids arrived when), the
Cognito endpoint of the local AWS, and the Postmark sink's stored messages (files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import aiohttp

from sniper.domain.iso8601 import iso_from_ns


class DemoError(Exception):
    """A call answered otherwise than the demo needs; the message says which and why."""


@dataclass(frozen=True)
class Endpoints:
    api_url: str
    sim_url: str
    aws_url: str
    user_pool_client_id: str
    username: str
    password: str
    mail_dir: Path

    @classmethod
    def from_described(cls, described: dict[str, Any]) -> Endpoints:
        """From `LocalStack.describe()` (or the state file `sniper local` writes)."""
        return cls(
            api_url=described["apiUrl"],
            sim_url=described["ebaySimUrl"],
            aws_url=described["awsEndpoint"],
            user_pool_client_id=described["userPoolClientId"],
            username=described["demoUsername"],
            password=described["demoPassword"],
            mail_dir=Path(described["postmarkSinkDir"]),
        )


class DemoDriver:
    def __init__(self, http: aiohttp.ClientSession, endpoints: Endpoints) -> None:
        self.http = http
        self.endpoints = endpoints
        self._token: str | None = None

    # ------------------------------------------------------------------ the user
    async def sign_in(self) -> None:
        """Cognito's InitiateAuth (USER_PASSWORD_AUTH), as a frontend's Amplify calls it."""
        body = {
            "ClientId": self.endpoints.user_pool_client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {
                "USERNAME": self.endpoints.username,
                "PASSWORD": self.endpoints.password,
            },
        }
        headers = {
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
            "Content-Type": "application/x-amz-json-1.1",
        }
        async with self.http.post(
            self.endpoints.aws_url, data=json.dumps(body), headers=headers
        ) as response:
            answer = json.loads(await response.read())
            if response.status != 200:
                raise DemoError(f"Cognito refused the demo sign-in: {answer}")
        self._token = answer["AuthenticationResult"]["IdToken"]

    async def link_ebay(self, ebay_username: str) -> dict[str, Any]:
        """The consent flow as a browser runs it: our consent URL, eBay's redirect with code and
        state, our callback. The simulator's consent page signs in the `username` it is given."""
        consent = await self.api("GET", "/ebay/auth/url")
        url = f"{consent['url']}&username={quote(ebay_username)}"
        async with self.http.get(url, allow_redirects=False) as page:
            if page.status != 302:
                raise DemoError(f"the eBay consent page answered {page.status}, not a redirect")
            redirect = parse_qs(urlsplit(page.headers["Location"]).query)
        grant = {"code": redirect["code"][0], "state": redirect["state"][0]}
        status: dict[str, Any] = await self.api("POST", "/ebay/auth/callback", grant)
        return status

    async def watch_list(self) -> list[dict[str, Any]]:
        return await self._items("/wishlist/items")

    async def create_snipe(
        self, item_id: str, max_bid: str, currency: str, group: tuple[str, int] | None = None
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "itemId": item_id,
            "maxBid": {"value": max_bid, "currency": currency},
        }
        if group is not None:
            request["group"] = {"groupId": group[0], "maxWins": group[1]}
        created: dict[str, Any] = await self.api("POST", "/bids", request)
        return created

    async def snipes(self) -> list[dict[str, Any]]:
        return await self._items("/bids")

    async def history(self, bid_id: str) -> dict[str, Any] | None:
        try:
            entry: dict[str, Any] = await self.api("GET", f"/bid-history/{bid_id}")
        except DemoError:
            return None
        return entry

    async def _items(self, path: str) -> list[dict[str, Any]]:
        """A listing's first page, of 100: the demo has a handful."""
        page = await self.api("GET", f"{path}?limit=100")
        items: list[dict[str, Any]] = page["items"]
        return items

    async def api(self, method: str, path: str, body: Any = None) -> Any:
        if self._token is None:
            raise DemoError("sign in first")
        headers = {"Authorization": f"Bearer {self._token}"}
        return await self._call(method, self.endpoints.api_url + path, body, headers)

    # ------------------------------------------------------------------ the world (simulator)
    async def create_ebay_user(self, username: str) -> None:
        await self.sim("POST", "/sim/users", {"username": username})

    async def create_auction(
        self,
        title: str,
        start_price: str,
        ends_at_ns: int,
        buy_it_now_price: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": title,
            "startPrice": start_price,
            "endsAt": iso_from_ns(ends_at_ns),
        }
        if buy_it_now_price is not None:
            body["buyItNowPrice"] = buy_it_now_price
        auction: dict[str, Any] = await self.sim("POST", "/sim/auctions", body)
        return auction

    async def rival_bid(self, item_id: str, bidder: str, max_bid: str, at_ns: int) -> None:
        body = {"bidder": bidder, "maxAmount": max_bid, "at": iso_from_ns(at_ns)}
        await self.sim("POST", f"/sim/auctions/{quote(item_id, safe='')}/bids", body)

    async def buy_it_now(self, item_id: str, buyer: str) -> dict[str, Any]:
        path = f"/sim/auctions/{quote(item_id, safe='')}/buy-it-now"
        auction: dict[str, Any] = await self.sim("POST", path, {"buyer": buyer})
        return auction

    async def set_watch_list(self, username: str, item_ids: list[str]) -> None:
        await self.sim("PUT", f"/sim/watchlist/{quote(username)}", {"itemIds": item_ids})

    async def auction(self, item_id: str) -> dict[str, Any]:
        state: dict[str, Any] = await self.sim("GET", f"/sim/auctions/{quote(item_id, safe='')}")
        return state

    async def bids_at_ebay(self, item_id: str) -> list[dict[str, Any]]:
        """Every bid that reached the simulator for the item, with its arrival (ns)."""
        answer = await self.sim("GET", f"/sim/bids?itemId={quote(item_id, safe='')}")
        bids: list[dict[str, Any]] = answer["bids"]
        return bids

    async def sim(self, method: str, path: str, body: Any = None) -> Any:
        return await self._call(method, self.endpoints.sim_url + path, body, {})

    # ------------------------------------------------------------------ the mailbox
    def emails(self, since: str) -> list[dict[str, Any]]:
        """Messages the Postmark sink stored, submitted at or after `since` (ISO), in order."""
        messages: list[dict[str, Any]] = []
        for path in sorted(self.endpoints.mail_dir.glob("*.json")):
            try:
                message = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # being written right now; the next look sees it
            if message.get("SubmittedAt", "") >= since:
                messages.append(message)
        return messages

    # ------------------------------------------------------------------ HTTP
    async def _call(self, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
        async with self.http.request(method, url, json=body, headers=headers) as response:
            text = await response.text()
            if response.status >= 300:
                raise DemoError(f"{method} {urlsplit(url).path} answered {response.status}: {text}")
            return json.loads(text) if text else None
