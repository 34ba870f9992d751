"""Cursors of DynamoDB listings: the LastEvaluatedKey, bound to the caller and the listing.

Queries always fix the partition to the caller's userId; the key a cursor carries must be in
that partition too, so even a cursor forged for the right listing cannot start elsewhere.
"""

from __future__ import annotations

from typing import Any

from sniper.services.opaque import cursor_refused, decode_cursor, encode_cursor


def cursor_for(user_id: str, listing: str, last_key: dict[str, Any] | None) -> str | None:
    """The cursor of the next page, or None after the last (no LastEvaluatedKey)."""
    return encode_cursor(user_id, listing, last_key) if last_key else None


def start_key(user_id: str, listing: str, cursor: str | None) -> dict[str, Any] | None:
    """The ExclusiveStartKey a cursor resumes from (None: the first page)."""
    if not cursor:
        return None
    key = decode_cursor(user_id, listing, cursor, dict[str, Any])
    if key.get("userId") != {"S": user_id}:
        raise cursor_refused()
    return key
