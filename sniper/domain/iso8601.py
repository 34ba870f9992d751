"""Instants as text: ISO 8601 in UTC with a trailing Z, the form of every API we speak or serve.

The domain keeps instants as epoch integers; these turn them into text and back, one function
per unit, so that a caller never has to guess whether a number is milliseconds or nanoseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_from_ms(epoch_ms: int) -> str:
    """`1714564800000` -> `2024-05-01T12:00:00.000Z` (to the millisecond, as eBay writes)."""
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_from_ns(epoch_ns: int) -> str:
    """To the microsecond, the finest ISO 8601 text Python writes (a timing report's instants)."""
    moment = _EPOCH + timedelta(microseconds=epoch_ns // 1000)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def ms_from_iso(text: str) -> int:
    """`2024-05-01T12:00:00.000Z` -> epoch milliseconds; a time without an offset is UTC.

    Raises ValueError for text that is not an ISO 8601 instant.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Integer arithmetic: float seconds * 1000 can land a millisecond short.
    return (moment - _EPOCH) // timedelta(milliseconds=1)
