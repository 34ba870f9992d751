"""The notifier's record of each outcome email: claimed before it is sent, marked when it is.

One item per (snipe, outcome), a side record of the Bids table (sniper/storage/side_records.py:
key `~notice#<bidId>#<OUTCOME>`), kept beside the snipe it is about: out of every snipe read,
removed with the account, expired by TTL after `RETENTION_SECONDS`. A separate item, not an
attribute of the snipe, because the executor writes the whole snipe item on every move and must
not erase it.

States: SENDING (claimed by one notifier invocation, `claimed_ms` ago), SENT (Postmark took it),
SKIPPED (nothing to send: the user turned that email off, or has no address).
"""

from __future__ import annotations

import enum
from typing import Any

import msgspec

from sniper.domain.errors import Conflict
from sniper.storage.codec import from_builtins, from_item, to_builtins, to_item
from sniper.storage.side_records import side_key
from sniper.storage.table import DynamoTable, translated_errors

RETENTION_SECONDS = 90 * 24 * 3600
_KIND = "notice"


class NoticeState(enum.StrEnum):
    SENDING = "SENDING"
    SENT = "SENT"
    SKIPPED = "SKIPPED"


class Notice(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    user_id: str
    bid_id: str
    outcome: str
    state: NoticeState
    claimant: str
    claimed_ms: int
    message_id: str | None = None
    done_ms: int | None = None

    @property
    def key(self) -> str:
        """What the email carries as Postmark metadata, to be found again after a lost answer."""
        return notice_key(self.bid_id, self.outcome)

    @property
    def done(self) -> bool:
        return self.state in (NoticeState.SENT, NoticeState.SKIPPED)


def notice_key(bid_id: str, outcome: str) -> str:
    return f"{bid_id}:{outcome}"


def _sort_key(bid_id: str, outcome: str) -> str:
    return side_key(_KIND, f"{bid_id}#{outcome}")


class NoticesRepository:
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
        with translated_errors():
            result = await self.table.client.get_item(
                TableName=self.table.name,
                Key={"userId": {"S": user_id}, "bidId": {"S": _sort_key(bid_id, outcome)}},
                ConsistentRead=True,
            )
        item = result.get("Item")
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
        try:
            with translated_errors():
                await self.table.client.put_item(
                    TableName=self.table.name,
                    Item=self._to_item(notice),
                    ConditionExpression="attribute_not_exists(bidId)",
                )
        except Conflict:
            return None
        return notice

    async def replace(self, current: Notice, updated: Notice) -> Notice:
        """Write `updated` if the record is still `current` (same claimant and state)."""
        with translated_errors("the notice changed meanwhile"):
            await self.table.client.put_item(
                TableName=self.table.name,
                Item=self._to_item(updated),
                ConditionExpression="claimant = :c AND #s = :s",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={
                    ":c": {"S": current.claimant},
                    ":s": {"S": current.state.value},
                },
            )
        return updated
