"""Opaque text handed to a client and taken back: base64url, and the cursors of listings.

A cursor says where a listing stopped, bound to the caller and to the listing it came from: one
minted for another user or another listing (other filters) is refused as not found, so a cursor
never reaches anyone else's items. Its position is whatever the listing resumes from: DynamoDB's
LastEvaluatedKey, an offset into a watch list.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar

import msgspec

from sniper.domain.errors import NotFound

T = TypeVar("T")


def b64url_encode(data: bytes) -> str:
    """URL-safe base64 without padding (what a query string or a JWT-like token carries)."""
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    """The inverse of b64url_encode; ValueError (binascii.Error) when it is not base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _Cursor(msgspec.Struct, frozen=True):
    user_id: str
    listing: str
    position: Any


def cursor_refused() -> NotFound:
    return NotFound("this cursor is not valid for this listing", field="cursor")


def encode_cursor(user_id: str, listing: str, position: Any) -> str:
    return b64url_encode(msgspec.json.encode(_Cursor(user_id, listing, position)))


def decode_cursor(user_id: str, listing: str, cursor: str, position: type[T]) -> T:
    """The position a cursor minted by encode_cursor for this caller and listing holds."""
    try:
        decoded = msgspec.json.decode(b64url_decode(cursor), type=_Cursor)
        where = msgspec.convert(decoded.position, type=position)
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise cursor_refused() from None
    if decoded.user_id != user_id or decoded.listing != listing:
        raise cursor_refused()
    return where
