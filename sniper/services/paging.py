"""Full pages from filtered DynamoDB queries.

DynamoDB applies `Limit` before the filter, so one query can return fewer items than asked for
(even none) with more to come. Following the cursor until the page is full (a bounded number of
times) spares clients from paging through empty pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sniper.services.ports.stores import Page

T = TypeVar("T")

MAX_QUERIES = 8


async def full_page(
    fetch: Callable[[str | None, int], Awaitable[Page[T]]], cursor: str | None, limit: int
) -> Page[T]:
    """`fetch(cursor, limit)` repeatedly until `limit` items, the end, or MAX_QUERIES queries."""
    items: list[T] = []
    for _ in range(MAX_QUERIES):
        page = await fetch(cursor, limit - len(items))
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None or len(items) >= limit:
            break
    return Page(items, cursor)
