"""Reading eBay's wire values (ISO 8601 dates, amount strings) into domain values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sniper.domain.errors import InvalidMoney
from sniper.domain.money import Money
from sniper.ebay.errors import MalformedResponse

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_to_ms(value: str) -> int:
    """`2024-05-01T12:00:00.000Z` -> epoch milliseconds."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedResponse(f"eBay sent an unreadable date {value!r}") from None
    if parsed.tzinfo is None:  # eBay's dates are UTC even when the offset is left off
        parsed = parsed.replace(tzinfo=UTC)
    # Integer arithmetic: float seconds * 1000 can land a millisecond short.
    return (parsed - _EPOCH) // timedelta(milliseconds=1)


def money(value: str, currency: str) -> Money:
    try:
        return Money.parse(value, currency)
    except InvalidMoney as exc:
        raise MalformedResponse(f"eBay sent an unreadable amount: {exc.message}") from None
