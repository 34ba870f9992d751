"""Query-string filters: comma-separated statuses, ISO 8601 dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sniper.domain.errors import InvalidInput
from sniper.domain.snipe import SnipeStatus

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def statuses(
    raw: str | None, *, field: str, allowed: frozenset[SnipeStatus] | None = None
) -> frozenset[SnipeStatus] | None:
    if raw is None or not raw.strip():
        return None
    choices = allowed or frozenset(SnipeStatus)
    chosen: set[SnipeStatus] = set()
    for part in raw.split(","):
        name = part.strip().upper()
        if name not in {s.value for s in choices}:
            expected = ", ".join(sorted(s.value for s in choices))
            raise InvalidInput(f"{part.strip()!r} is not one of {expected}", field=field)
        chosen.add(SnipeStatus(name))
    return frozenset(chosen)


def instant_ms(raw: str | None, *, field: str, end_of_day: bool = False) -> int | None:
    """An ISO 8601 date (2025-01-31) or instant (2025-01-31T18:00:00Z) as epoch ms, UTC.

    A bare date used as an upper bound means the end of that day.
    """
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.min, tzinfo=UTC)
            if end_of_day:
                moment += timedelta(days=1) - timedelta(milliseconds=1)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not an ISO 8601 date or instant (e.g. 2025-01-31 or "
            "2025-01-31T18:00:00Z)",
            field=field,
        ) from None
    return (moment - _EPOCH) // timedelta(milliseconds=1)
