"""Opaque pagination cursors, bound to the caller and the listing they came from.

A cursor carries DynamoDB's LastEvaluatedKey. Queries always fix the partition to the caller's
userId, and a cursor minted for another user or another listing is refused as not found, so a
cursor can never reach someone else's items.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgspec

from sniper.domain.errors import NotFound


class _Cursor(msgspec.Struct, frozen=True):
    user_id: str
    listing: str
    key: dict[str, Any]


def encode_cursor(user_id: str, listing: str, last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = msgspec.json.encode(_Cursor(user_id, listing, last_key))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(user_id: str, listing: str, cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = msgspec.json.decode(raw, type=_Cursor)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise NotFound("this cursor is not valid for this listing", field="cursor") from None
    if decoded.user_id != user_id or decoded.listing != listing:
        raise NotFound("this cursor is not valid for this listing", field="cursor")
    if decoded.key.get("userId") != {"S": user_id}:
        raise NotFound("this cursor is not valid for this listing", field="cursor")
    return decoded.key
