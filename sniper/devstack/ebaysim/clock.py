"""The simulator's time on the wire (its clock is sniper.clock's: real time unless a test
supplies another)."""

from __future__ import annotations

from datetime import datetime

from sniper.domain.iso8601 import iso_from_ms


def ebay_date(instant_ns: int) -> str:
    """An instant (ns) in eBay's wire form: to the millisecond (2024-05-01T12:00:00.000Z)."""
    return iso_from_ms(instant_ns // 1_000_000)


def parse_iso(value: str) -> int:
    """An ISO 8601 instant with an offset or Z, to ns since the epoch; ValueError otherwise."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone; add Z or an offset")
    whole = int(moment.timestamp())
    return whole * 1_000_000_000 + moment.microsecond * 1000


def iso_duration(seconds: int) -> str:
    """Trading's TimeLeft form, e.g. P1DT2H3M4S; PT0S once over."""
    if seconds <= 0:
        return "PT0S"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"P{days}DT{hours}H{minutes}M{secs}S"
