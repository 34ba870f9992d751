"""Live-snipe guards: one live snipe per user and item, held by a conditional write.

A guard (`~live#<itemId>` in the user's partition, see side_records) names the snipe that holds
the item and when it claimed it. A new snipe claims the guard before the snipe itself is written.
When a guard is already there, the caller decides from its holder whether the item is free and
claims again on the condition that the guard still names that holder, so of two such claims
exactly one wins. Nothing releases a guard when a snipe ends: its holder being terminal is what
frees the item.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sniper.domain.errors import Conflict
from sniper.services.ports.stores import Guard, LiveGuardStore
from sniper.storage.side_records import side_key
from sniper.storage.table import DynamoTable

GUARD_KIND = "live"


def _key(user_id: str, item_id: str) -> dict[str, dict[str, str]]:
    return {"userId": {"S": user_id}, "bidId": {"S": side_key(GUARD_KIND, item_id)}}


class LiveGuards(LiveGuardStore):
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    async def claim(
        self, user_id: str, item_id: str, guard: Guard, *, expires_s: int, replacing: Guard | None
    ) -> Guard | None:
        attributes = {
            "holderBidId": {"S": guard.holder_bid_id},
            "claimedMs": {"N": str(guard.claimed_ms)},
            "ttl": {"N": str(expires_s)},
        }
        seen = {":seen": {"S": replacing.holder_bid_id}} if replacing is not None else None
        return await self.table.claim(
            _key(user_id, item_id),
            attributes,
            _guard,
            now_s=guard.claimed_ms // 1000,
            or_when="holderBidId = :seen" if seen else None,
            values=seen,
        )

    async def get(self, user_id: str, item_id: str) -> Guard | None:
        return await self.table.read(_key(user_id, item_id), _guard)

    async def release(self, user_id: str, item_id: str, bid_id: str) -> None:
        """Drop the guard if `bid_id` still holds it (a snipe that was never written)."""
        if not await self.table.delete_if(
            _key(user_id, item_id),
            "holderBidId = :mine",
            ExpressionAttributeValues={":mine": {"S": bid_id}},
        ):
            raise Conflict("the guard has another holder")


def _guard(item: Mapping[str, Any]) -> Guard:
    return Guard(holder_bid_id=item["holderBidId"]["S"], claimed_ms=int(item["claimedMs"]["N"]))
