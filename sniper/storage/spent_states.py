"""Spent OAuth states: each `state` completes one eBay link, once.

Spending is a conditional put of `~oauth-state#<nonce>` in the user's partition (see
side_records): of two callbacks with one state, exactly one writes it. The record expires with
the state itself; after that the state's own expiry refuses it, so nothing is lost when DynamoDB's
TTL removes the record.
"""

from __future__ import annotations

from sniper.services.ports.stores import SpentStateStore
from sniper.storage.side_records import side_key
from sniper.storage.table import DynamoTable

STATE_KIND = "oauth-state"


class SpentStates(SpentStateStore):
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    async def spend(self, user_id: str, nonce: str, expires_ms: int) -> bool:
        """True for the first use of this state; False if it was spent before."""
        item = {
            "userId": {"S": user_id},
            "bidId": {"S": side_key(STATE_KIND, nonce)},
            "ttl": {"N": str(-(-expires_ms // 1000))},  # rounded up: never before the state ends
        }
        held = await self.table.put_unless_held(item, "attribute_not_exists(bidId)")
        return held is None
