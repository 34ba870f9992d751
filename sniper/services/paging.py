"""Full pages from filtered DynamoDB queries.

DynamoDB applies `Limit` before the filter, so one query can return fewer items than asked for
(even none) with more to come. Following the cursor until the page is full (a bounded number of
times) spares clients from paging through empty pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import msgspec

from sniper.services.ports.stores import HistoryListing, Page, SnipeListing

T = TypeVar("T")
Listing = TypeVar("Listing", SnipeListing, HistoryListing)

MAX_QUERIES = 8


async def full_page(fetch: Callable[[Listing], Awaitable[Page[T]]], listing: Listing) -> Page[T]:
    """`fetch` the listing, then its next pages, until `listing.limit` items, the end, or
    MAX_QUERIES queries."""
    items: list[T] = []
    cursor = listing.cursor
    for _ in range(MAX_QUERIES):
        page = await fetch(
            msgspec.structs.replace(listing, cursor=cursor, limit=listing.limit - len(items))
        )
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None or len(items) >= listing.limit:
            break
    return Page(items, cursor)
