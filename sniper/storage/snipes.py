"""The Bids table: snipes, each state change a conditional write on its version."""

from __future__ import annotations

from typing import Any

from sniper.domain.errors import Conflict
from sniper.domain.snipe import Snipe
from sniper.services.ports.stores import Page, SnipeListing, SnipeStore, StaleWrite
from sniper.storage.codec import from_builtins, from_item, to_builtins, to_item
from sniper.storage.side_records import is_snipe_key
from sniper.storage.table import DynamoTable, is_in

# Settled snipes stay listable for a while, then DynamoDB's TTL removes them (history remains).
SNIPE_RETENTION_SECONDS = 90 * 24 * 3600
_DERIVED = ("auctionEndTime", "ttl")


def _to_item(snipe: Snipe) -> dict[str, Any]:
    data = to_builtins(snipe)
    data["auctionEndTime"] = snipe.auction_end_ms // 1000  # the index key, epoch seconds
    data["ttl"] = snipe.auction_end_ms // 1000 + SNIPE_RETENTION_SECONDS
    return to_item(data)


def _from_item(item: dict[str, Any]) -> Snipe:
    data = from_item(item)
    for name in _DERIVED:
        data.pop(name, None)
    return from_builtins(data, Snipe)


def _key(user_id: str, bid_id: str) -> dict[str, Any]:
    return {"userId": {"S": user_id}, "bidId": {"S": bid_id}}


class SnipesRepository(SnipeStore):
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    async def create(self, snipe: Snipe) -> Snipe:
        if not await self.table.put_if(_to_item(snipe), "attribute_not_exists(bidId)"):
            raise Conflict("a snipe with this id already exists")
        return snipe

    async def find(self, user_id: str, bid_id: str) -> Snipe | None:
        """The caller's snipe, or None. A side record's key (see side_records) is no snipe's."""
        if not is_snipe_key(bid_id):
            return None
        item = await self.table.get_item(_key(user_id, bid_id))
        return _from_item(item) if item is not None else None

    async def save(self, snipe: Snipe, *, expected_version: int) -> Snipe:
        """Write the next version; if anyone else wrote since `expected_version`, StaleWrite."""
        if not await self.table.put_version(_to_item(snipe), snipe.version, expected_version):
            raise StaleWrite("the snipe changed meanwhile")
        return snipe

    async def list_for_user(self, user_id: str, listing: SnipeListing) -> Page[Snipe]:
        """The caller's snipes by auction end, soonest first."""
        request: dict[str, Any] = {
            "IndexName": "byAuctionEnd",
            "KeyConditionExpression": "userId = :u",
            "ExpressionAttributeValues": {":u": {"S": user_id}},
            "Limit": listing.limit,
        }
        if listing.statuses:
            request["FilterExpression"] = is_in("status", listing.statuses, request)
        return await self.table.page(user_id, listing.name, listing.cursor, _from_item, **request)

    async def all_for_user(self, user_id: str) -> list[Snipe]:
        return [
            _from_item(item)
            async for item in self.table.query_all(
                IndexName="byAuctionEnd",
                KeyConditionExpression="userId = :u",
                ExpressionAttributeValues={":u": {"S": user_id}},
            )
        ]

    async def ending_after(self, user_id: str, after_ms: int) -> list[Snipe]:
        """The caller's snipes on auctions closing at or after `after_ms`: a read that stays
        small however long the user's history grows (a range on the byAuctionEnd index)."""
        return [
            _from_item(item)
            async for item in self.table.query_all(
                IndexName="byAuctionEnd",
                KeyConditionExpression="userId = :u AND auctionEndTime >= :after",
                ExpressionAttributeValues={
                    ":u": {"S": user_id},
                    ":after": {"N": str(after_ms // 1000)},
                },
            )
        ]

    async def in_group(self, user_id: str, group_id: str) -> list[Snipe]:
        """The caller's snipes in one bid group (filtered by DynamoDB, not decoded and dropped:
        the executor polls this while an earlier sibling settles)."""
        return [
            _from_item(item)
            async for item in self.table.query_all(
                IndexName="byAuctionEnd",
                KeyConditionExpression="userId = :u",
                FilterExpression="#group.groupId = :g",
                ExpressionAttributeNames={"#group": "group"},
                ExpressionAttributeValues={":u": {"S": user_id}, ":g": {"S": group_id}},
            )
        ]

    async def delete_all_for_user(self, user_id: str) -> int:
        """Delete the caller's whole partition (side records too); returns how many snipes."""
        deleted = await self.table.delete_partition(user_id, "bidId")
        return sum(1 for bid_id in deleted if is_snipe_key(bid_id))
