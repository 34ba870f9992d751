"""Idempotency-Key records: who holds a key, for which request, and the answer once there is one.

One record per user and key (`~idempotency#<key>` in the user's partition, see side_records):
the request's fingerprint, the lease of the request working on it (a random token and an
instant), and, once finished, the answer. Every change is conditional: a claim succeeds only
where no live record stands (none, expired, or an unfinished one for the same request whose
lease has run out), and finishing or releasing only while the token is still the claimer's.
"""

from __future__ import annotations

from typing import Any

import msgspec

from sniper.services.ports.stores import IdempotencyRecord, IdempotencyStore, StoredAnswer
from sniper.storage.side_records import side_key
from sniper.storage.table import DynamoTable

KEY_KIND = "idempotency"


_encode_answer = msgspec.json.Encoder().encode
_decode_answer = msgspec.json.Decoder(StoredAnswer).decode


def _key(user_id: str, key: str) -> dict[str, Any]:
    return {"userId": {"S": user_id}, "bidId": {"S": side_key(KEY_KIND, key)}}


def _held_by(token: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The condition of a change only the request that claimed the key may make."""
    return {
        "condition": "#token = :token",
        "ExpressionAttributeNames": {"#token": "token"},
        "ExpressionAttributeValues": {":token": {"S": token}, **(values or {})},
    }


def _record(item: dict[str, Any]) -> IdempotencyRecord:
    answer = item.get("answer")
    return IdempotencyRecord(
        fingerprint=item["fingerprint"]["S"],
        lease_until_ms=int(item["leaseUntilMs"]["N"]),
        expires_s=int(item["ttl"]["N"]),
        answer=_decode_answer(answer["S"]) if answer else None,
    )


class IdempotencyRecords(IdempotencyStore):
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    async def claim(
        self, user_id: str, key: str, record: IdempotencyRecord, *, token: str, now_ms: int
    ) -> IdempotencyRecord | None:
        attributes = {
            "fingerprint": {"S": record.fingerprint},
            "token": {"S": token},
            "leaseUntilMs": {"N": str(record.lease_until_ms)},
            "ttl": {"N": str(record.expires_s)},
        }
        # ... or the same request's, unanswered, whose holder's lease ran out.
        return await self.table.claim(
            _key(user_id, key),
            attributes,
            _record,
            now_s=now_ms // 1000,
            or_when="fingerprint = :fp AND attribute_not_exists(answer) AND leaseUntilMs < :now_ms",
            values={":now_ms": {"N": str(now_ms)}, ":fp": {"S": record.fingerprint}},
        )

    async def get(self, user_id: str, key: str) -> IdempotencyRecord | None:
        return await self.table.read(_key(user_id, key), _record)

    async def finish(self, user_id: str, key: str, token: str, answer: StoredAnswer) -> bool:
        """Record the answer, if this token still holds the key; False if it lost it."""
        return await self.table.update_if(
            _key(user_id, key),
            "SET answer = :answer",
            **_held_by(token, {":answer": {"S": _encode_answer(answer).decode()}}),
        )

    async def release(self, user_id: str, key: str, token: str) -> None:
        """Give the key up (the request failed on our side): a retry may run it again. Another
        request that took it over keeps it."""
        await self.table.delete_if(_key(user_id, key), **_held_by(token))
