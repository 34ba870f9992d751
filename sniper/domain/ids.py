"""Identifiers that sort by creation time (ULID layout), so listings by id are chronological."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_LENGTH = 26


def new_id(now_ms: int | None = None) -> str:
    timestamp = int(time.time() * 1000) if now_ms is None else now_ms
    value = (timestamp << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(_LENGTH):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))


def is_id(value: str) -> bool:
    """Whether `value` has the shape `new_id` gives (and nothing else in a partition has)."""
    return len(value) == _LENGTH and all(ch in _ALPHABET for ch in value)
