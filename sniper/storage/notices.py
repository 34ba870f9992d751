"""The notifier's record of each outcome email: claimed before it is sent, marked when it is.

One item per (snipe, outcome), a side record of the Bids table (sniper/storage/side_records.py:
key `~notice#<bidId>#<OUTCOME>`), kept beside the snipe it is about: out of every snipe read,
removed with the account, expired by TTL after `RETENTION_SECONDS`. A separate item, not an
attribute of the snipe, because the executor writes the whole snipe item on every move and must
not erase it.

States: SENDING (claimed by one notifier invocation, `claimed_ms` ago), SENT (Postmark took it),
SKIPPED (nothing to send: the user turned that email off, or has no address): see
sniper.services.ports.stores.Notice.
"""

from __future__ import annotations

from typing import Any

from sniper.services.ports.stores import Notice, NoticeState, NoticeStore, StaleWrite
from sniper.storage.codec import from_builtins, from_item, to_builtins, to_item
from sniper.storage.side_records import side_key
from sniper.storage.table import DynamoTable

RETENTION_SECONDS = 90 * 24 * 3600
_KIND = "notice"


def _sort_key(bid_id: str, outcome: str) -> str:
    return side_key(_KIND, f"{bid_id}#{outcome}")


class NoticesRepository(NoticeStore):
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def _to_item(self, notice: Notice) -> dict[str, Any]:
        data = to_builtins(notice)
        data["noticeOf"] = data.pop("bidId")
        data["bidId"] = _sort_key(notice.bid_id, notice.outcome)
        data["ttl"] = notice.claimed_ms // 1000 + RETENTION_SECONDS
        return to_item(data)

    @staticmethod
    def _from_item(item: dict[str, Any]) -> Notice:
        data = from_item(item)
        data["bidId"] = data.pop("noticeOf")
        data.pop("ttl", None)
        return from_builtins(data, Notice)

    async def get(self, user_id: str, bid_id: str, outcome: str) -> Notice | None:
        item = await self.table.get_item(
            {"userId": {"S": user_id}, "bidId": {"S": _sort_key(bid_id, outcome)}}
        )
        return self._from_item(item) if item is not None else None

    async def done_outcomes(self, user_id: str, bid_id: str) -> frozenset[str]:
        """The outcomes of this snipe whose email is settled (sent, or nothing to send)."""
        states = await self.states(user_id, bid_id)
        return frozenset(
            outcome for outcome, state in states.items() if state != NoticeState.SENDING
        )

    async def states(self, user_id: str, bid_id: str) -> dict[str, NoticeState]:
        """Each outcome of this snipe the notifier has a record of, and where it stands."""
        found: dict[str, NoticeState] = {}
        async for item in self.table.query_all(
            KeyConditionExpression="userId = :u AND begins_with(bidId, :p)",
            ExpressionAttributeValues={
                ":u": {"S": user_id},
                ":p": {"S": side_key(_KIND, f"{bid_id}#")},
            },
            ConsistentRead=True,
        ):
            notice = self._from_item(item)
            found[notice.outcome] = notice.state
        return found

    async def claim(self, notice: Notice) -> Notice | None:
        """Record a new SENDING claim; None when a record exists already (read it with get)."""
        written = await self.table.put_if(self._to_item(notice), "attribute_not_exists(bidId)")
        return notice if written else None

    async def replace(self, current: Notice, updated: Notice) -> Notice:
        """Write `updated` if the record is still `current` (same claimant and state)."""
        if not await self.table.put_if(
            self._to_item(updated),
            "claimant = :c AND #s = :s",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={
                ":c": {"S": current.claimant},
                ":s": {"S": current.state.value},
            },
        ):
            raise StaleWrite("the notice changed meanwhile")
        return updated
