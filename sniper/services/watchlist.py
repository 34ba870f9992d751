"""The user's eBay watch list (Trading GetMyeBayBuying) and one item (Browse), with their snipes.

eBay caps a watch list at a few hundred items, so the whole list is read, ordered (auctions
first, soonest close first) and paged here; a cursor is an offset bound to the caller.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import msgspec

from sniper.clock import SYSTEM_CLOCK, Clock, now_ms
from sniper.domain.errors import EbayLinkRequired, NotFound
from sniper.domain.money import Money
from sniper.domain.snipe import TERMINAL, Snipe
from sniper.ebay.browse import Item
from sniper.ebay.errors import ItemNotFound, Unauthorized
from sniper.ebay.item_ids import to_rest_item_id
from sniper.ebay.trading import WatchedItem, site_id
from sniper.services.ebay_tokens import EbayTokens
from sniper.services.opaque import cursor_refused, decode_cursor, encode_cursor
from sniper.services.ports.ebay import ItemReader, WatchListReader
from sniper.services.ports.stores import SnipeStore, UserStore

T = TypeVar("T")


class WatchlistEntry(msgspec.Struct, frozen=True, kw_only=True):
    item: WatchedItem
    snipe: Snipe | None


class WatchlistPage(msgspec.Struct, frozen=True, kw_only=True):
    entries: list[WatchlistEntry]
    total: int
    next_cursor: str | None


class ItemDetail(msgspec.Struct, frozen=True, kw_only=True):
    item: Item
    ended: bool
    next_minimum: Money | None
    snipe: Snipe | None


def _order(item: WatchedItem) -> tuple[bool, float, str]:
    return (
        not item.is_auction,
        item.end_ms if item.end_ms is not None else math.inf,
        item.legacy_item_id,
    )


def snipes_by_item(snipes: list[Snipe]) -> dict[str, Snipe]:
    """One snipe per item: a live one if there is one, else the most recent."""
    chosen: dict[str, Snipe] = {}
    for snipe in sorted(snipes, key=lambda s: (s.status not in TERMINAL, s.created_ms)):
        chosen[snipe.item_id] = snipe
    return chosen


@dataclass(frozen=True, kw_only=True)
class Watchlist:
    users: UserStore
    tokens: EbayTokens
    trading: WatchListReader
    browse: ItemReader
    snipes: SnipeStore
    clock: Clock = SYSTEM_CLOCK

    async def page(
        self, user_id: str, *, marketplace_id: str, cursor: str | None, limit: int
    ) -> WatchlistPage:
        site_id(marketplace_id)  # an unknown site is the caller's error, before any eBay call
        offset = decode_cursor(user_id, marketplace_id, cursor, int) if cursor else 0
        if offset < 0:
            raise cursor_refused()
        items = await self._with_user_token(
            user_id, lambda token: self.trading.watch_list(token, marketplace_id)
        )
        items.sort(key=_order)
        window = items[offset : offset + limit]
        sniped = snipes_by_item(await self._snipes_for(user_id, [i.end_ms for i in window]))
        end = offset + len(window)
        return WatchlistPage(
            entries=[WatchlistEntry(item=i, snipe=sniped.get(i.item_id)) for i in window],
            total=len(items),
            next_cursor=encode_cursor(user_id, marketplace_id, end) if end < len(items) else None,
        )

    async def item(self, user_id: str, item_id: str) -> ItemDetail:
        rest_id = to_rest_item_id(item_id)
        try:
            item = await self.browse.get_item(rest_id)
        except ItemNotFound:
            raise NotFound(f"eBay has no item {rest_id}", field="itemId") from None
        ended = item.item_end_ms is not None and item.item_end_ms <= now_ms(self.clock)
        sniped = snipes_by_item(await self._snipes_for(user_id, [item.item_end_ms]))
        return ItemDetail(
            item=item,
            ended=ended,
            next_minimum=None if ended or not item.is_auction else item.next_minimum_bid,
            snipe=sniped.get(item.item_id),
        )

    async def _with_user_token(self, user_id: str, call: Callable[[str], Awaitable[T]]) -> T:
        """Call with the user's access token; if eBay refuses it, refresh once and retry."""
        if await self.users.get(user_id) is None:  # never signed in here: nothing linked
            raise EbayLinkRequired("link your eBay account to see your watch list")
        token = await self.tokens.access_token(user_id)
        try:
            return await call(token)
        except Unauthorized:
            fresh = await self.tokens.refresh(await self.users.require(user_id))
            return await call(fresh.access_token)

    async def _snipes_for(self, user_id: str, ends_ms: list[int | None]) -> list[Snipe]:
        """Every snipe that can be on these items: a snipe carries its item's close, so none
        closes before the earliest of them (a bounded read, however long the user's history)."""
        if not ends_ms:
            return []
        if any(end is None for end in ends_ms):
            return await self.snipes.all_for_user(user_id)
        return await self.snipes.ending_after(user_id, min(e for e in ends_ms if e is not None))
