"""The BidHistory table: one entry per settled snipe, with its timing report."""

from __future__ import annotations

from typing import Any

from sniper.domain.errors import NotFound
from sniper.domain.history import HistoryEntry
from sniper.services.ports.stores import HistoryListing, HistoryStore, Page
from sniper.storage.codec import from_builtins, from_item, to_builtins, to_item
from sniper.storage.table import DynamoTable, is_in

DEFAULT_RETENTION_DAYS = 400


class HistoryRepository(HistoryStore):
    def __init__(self, table: DynamoTable, *, retention_days: int = DEFAULT_RETENTION_DAYS) -> None:
        self.table = table
        self.retention_seconds = retention_days * 24 * 3600

    def _to_item(self, entry: HistoryEntry) -> dict[str, Any]:
        data = to_builtins(entry)
        data["historyId"] = entry.bid_id
        data["ttl"] = entry.settled_ms // 1000 + self.retention_seconds
        return to_item(data)

    @staticmethod
    def _from_item(item: dict[str, Any]) -> HistoryEntry:
        data = from_item(item)
        data.pop("historyId", None)
        data.pop("ttl", None)
        return from_builtins(data, HistoryEntry)

    async def record(self, entry: HistoryEntry) -> HistoryEntry:
        """Write the entry once; a retried settle finds the first one and returns it unchanged."""
        if await self.table.put_if(self._to_item(entry), "attribute_not_exists(historyId)"):
            return entry
        return await self.get(entry.user_id, entry.bid_id)

    async def mark_emailed(self, user_id: str, bid_id: str, emailed_ms: int) -> None:
        """Note when the outcome's email went out (once: a later call keeps the first). No entry
        (a PLACED email, or the entry expired): nothing to note."""
        await self.table.update_if(
            {"userId": {"S": user_id}, "historyId": {"S": bid_id}},
            "SET emailedMs = if_not_exists(emailedMs, :t)",
            "attribute_exists(historyId)",
            ExpressionAttributeValues={":t": {"N": str(emailed_ms)}},
        )

    async def get(self, user_id: str, bid_id: str) -> HistoryEntry:
        item = await self.table.get_item({"userId": {"S": user_id}, "historyId": {"S": bid_id}})
        if item is None:
            raise NotFound(f"no history for {bid_id}")
        return self._from_item(item)

    async def list_for_user(self, user_id: str, listing: HistoryListing) -> Page[HistoryEntry]:
        """Newest first (history ids sort by creation time)."""
        request: dict[str, Any] = {
            "KeyConditionExpression": "userId = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}},
            "ScanIndexForward": False,
            "Limit": listing.limit,
        }
        filters: list[str] = []
        if listing.outcomes:
            filters.append(is_in("outcome", listing.outcomes, request))
        if listing.settled_from_ms is not None:
            filters.append("settledMs >= :from")
            request["ExpressionAttributeValues"][":from"] = {"N": str(listing.settled_from_ms)}
        if listing.settled_to_ms is not None:
            filters.append("settledMs <= :to")
            request["ExpressionAttributeValues"][":to"] = {"N": str(listing.settled_to_ms)}
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        return await self.table.page(
            user_id, listing.name, listing.cursor, self._from_item, **request
        )

    async def delete_all_for_user(self, user_id: str) -> int:
        return len(await self.table.delete_partition(user_id, "historyId"))
