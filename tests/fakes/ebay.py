"""eBay's reads in memory, as the services use them (sniper/services/ports/ebay.py): auctions
by item id, watch lists and identities by access token, grants by authorization code, and a
vault whose ciphertext opens only for the user it was sealed for. Each fails as eBay's client
does (ItemNotFound, Unauthorized, InvalidGrant, ...); `fail_next` scripts a failure."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from sniper.domain.money import Money
from sniper.ebay.browse import Item
from sniper.ebay.errors import InvalidGrant, ItemNotFound, NoBiddingActivity, Unauthorized
from sniper.ebay.identity import EbayUser
from sniper.ebay.item_ids import to_rest_item_id
from sniper.ebay.oauth import UserTokens
from sniper.ebay.offer import Bidding
from sniper.ebay.trading import WatchedItem
from sniper.vault import TokenUnreadable
from tests.fakes.clock import FakeClock, TestClock

HOUR_MS = 3_600_000


def make_item(clock: FakeClock, legacy_item_id: str = "110000000001", **overrides: Any) -> Item:
    """A live USD auction on eBay US, closing in an hour, at 10.00 with one bid."""
    fields: dict[str, Any] = {
        "item_id": f"v1|{legacy_item_id}|0",
        "legacy_item_id": legacy_item_id,
        "title": "Leica M6",
        "buying_options": ("AUCTION",),
        "currency": "USD",
        "current_bid_price": Money.parse("10.00", "USD"),
        "minimum_price_to_bid": None,
        "bid_count": 1,
        "item_end_ms": clock.now_ms + HOUR_MS,
        "reserve_price_met": None,
        "adult_only": False,
        "marketplace_id": "EBAY_US",
    }
    fields.update(overrides)
    return Item(**fields)


def watched(item: Item) -> WatchedItem:
    """The watch list's view of an item."""
    return WatchedItem(
        legacy_item_id=item.legacy_item_id,
        title=item.title,
        listing_type="Chinese" if item.is_auction else "FixedPriceItem",
        end_ms=item.item_end_ms,
        current_price=item.current_bid_price or item.price,
        bid_count=item.bid_count,
        view_item_url=item.item_web_url,
        image_url=item.image_url,
    )


class _Scripted:
    def __init__(self) -> None:
        self._failures: list[Exception] = []
        self.calls: list[tuple[Any, ...]] = []

    def fail_next(self, *errors: Exception) -> None:
        self._failures.extend(errors)

    def _call(self, *what: Any) -> None:
        self.calls.append(what)
        if self._failures:
            raise self._failures.pop(0)


class FakeBrowse(_Scripted):
    def __init__(self, items: Iterable[Item] = ()) -> None:
        super().__init__()
        self.items = {item.item_id: item for item in items}

    def put(self, item: Item) -> Item:
        self.items[item.item_id] = item
        return item

    async def get_item(self, item_id: str, *, marketplace_id: str | None = None) -> Item:
        self._call("get_item", item_id, marketplace_id)
        found = self.items.get(to_rest_item_id(item_id))
        if found is None:
            raise ItemNotFound(120001, f"no item {item_id}", status=404)
        return found


class FakeEbayAccounts(_Scripted):
    """The eBay side of users: who holds which access token, and their watch lists."""

    def __init__(self) -> None:
        super().__init__()
        self.by_token: dict[str, EbayUser] = {}
        self.watch_lists: dict[str, list[WatchedItem]] = {}

    def sign_in(self, token: str, username: str) -> None:
        self.by_token[token] = EbayUser(username=username, user_id=f"id-{username}")

    def _user(self, access_token: str) -> EbayUser:
        user = self.by_token.get(access_token)
        if user is None:
            raise Unauthorized("the access token is not valid", status=401)
        return user

    async def get_user(self, access_token: str) -> EbayUser:
        self._call("get_user", access_token)
        return self._user(access_token)

    async def watch_list(
        self, access_token: str, marketplace_id: str, *, entries_per_page: int = 100
    ) -> list[WatchedItem]:
        self._call("watch_list", access_token, marketplace_id)
        return list(self.watch_lists.get(self._user(access_token).username, []))


class FakeOffer(_Scripted):
    async def get_bidding(self, access_token: str, item_id: str, marketplace_id: str) -> Bidding:
        self._call("get_bidding", access_token, item_id, marketplace_id)
        raise NoBiddingActivity(120033, "no bidding activity", status=404)


class FakeOAuth(_Scripted):
    """Grants by authorization code (single use) and by refresh token; each refresh mints a new
    access token that FakeEbayAccounts knows as the same user."""

    GRANT_MS = 2 * HOUR_MS
    REFRESH_MS = 540 * 24 * HOUR_MS  # eBay's 18 months

    def __init__(self, clock: TestClock, accounts: FakeEbayAccounts) -> None:
        super().__init__()
        self.clock = clock
        self.accounts = accounts
        self.codes: dict[str, str] = {}  # code -> eBay username
        self.refreshable: dict[str, str] = {}  # refresh token -> eBay username
        self._minted = 0

    def consent_url(self, state: str, *, scopes: Iterable[str]) -> str:
        return f"https://auth.example/consent?state={state}&scope={'+'.join(scopes)}"

    def authorize(self, username: str) -> str:
        """The user consents on eBay: the code the redirect carries."""
        code = f"code-{len(self.codes)}"
        self.codes[code] = username
        return code

    def _grant(self, username: str, scopes: Iterable[str], refresh_token: str) -> UserTokens:
        self._minted += 1
        access = f"access-{username}-{self._minted}"
        self.accounts.sign_in(access, username)
        self.refreshable[refresh_token] = username
        return UserTokens(
            access_token=access,
            access_expires_ms=self.clock.now_ms + self.GRANT_MS,
            refresh_token=refresh_token,
            refresh_expires_ms=self.clock.now_ms + self.REFRESH_MS,
            scopes=tuple(scopes),
        )

    async def exchange_code(self, code: str, *, scopes: Iterable[str]) -> UserTokens:
        self._call("exchange_code", code)
        username = self.codes.pop(code, None)
        if username is None:
            raise InvalidGrant("the authorization code is invalid", oauth_error="invalid_grant")
        return self._grant(username, scopes, f"refresh-{username}-{self._minted + 1}")

    async def refresh(self, tokens: UserTokens) -> UserTokens:
        self._call("refresh", tokens.refresh_token)
        username = self.refreshable.get(tokens.refresh_token)
        if username is None:
            raise InvalidGrant("the refresh token is invalid", oauth_error="invalid_grant")
        return self._grant(username, tokens.scopes, tokens.refresh_token)

    def revoke(self, refresh_token: str) -> None:
        self.refreshable.pop(refresh_token, None)


class FakeVault:
    """Sealed for one user: opening it as another raises TokenUnreadable, as KMS's encryption
    context makes it."""

    async def seal(self, user_id: str, token: str) -> bytes:
        return base64.b64encode(f"{user_id}\n{token}".encode())

    async def open(self, user_id: str, ciphertext: bytes) -> str:
        owner, _, token = base64.b64decode(ciphertext).decode().partition("\n")
        if owner != user_id:
            raise TokenUnreadable("the stored token cannot be read for this user")
        return token


class FakeEbay:
    """eBay for one test: its auctions, its users (tokens, watch lists), its OAuth, the Offer
    API's reads, and the vault our side seals their tokens in."""

    def __init__(self, clock: TestClock) -> None:
        self.browse = FakeBrowse()
        self.accounts = FakeEbayAccounts()
        self.oauth = FakeOAuth(clock, self.accounts)
        self.offer = FakeOffer()
        self.vault = FakeVault()
