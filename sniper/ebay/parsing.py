"""Reading eBay's wire values (ISO 8601 dates, amount strings) into domain values."""

from __future__ import annotations

from sniper.domain.errors import InvalidMoney
from sniper.domain.iso8601 import ms_from_iso
from sniper.domain.money import Money
from sniper.ebay.errors import MalformedResponse


def ms_from_ebay_date(value: str) -> int:
    """eBay's date (`2024-05-01T12:00:00.000Z`; UTC even when the offset is left off) -> epoch
    milliseconds, or MalformedResponse."""
    try:
        return ms_from_iso(value)
    except ValueError:
        raise MalformedResponse(f"eBay sent an unreadable date {value!r}") from None


def money(value: str, currency: str) -> Money:
    try:
        return Money.parse(value, currency)
    except InvalidMoney as exc:
        raise MalformedResponse(f"eBay sent an unreadable amount: {exc.message}") from None
