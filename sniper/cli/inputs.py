"""Command-line values checked and put in the API's terms, with a clear word when they are not
right (argparse turns a ValueError from these into a usage error, exit 2)."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from sniper.domain.errors import InvalidInput
from sniper.domain.snipe import TERMINAL, SnipeStatus
from sniper.ebay.item_ids import parse_item_reference

_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_RELATIVE = re.compile(r"([0-9]+)([hdw])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def amount(text: str) -> str:
    """A maximum bid: "25", "25.5" or "25.00", written as eBay writes amounts ("25.00")."""
    value = text.strip().lstrip("$£€")
    if not _AMOUNT.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an amount such as 25.00 (digits, at most two decimals)"
        )
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount such as 25.00") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("the maximum bid must be more than zero")
    return f"{number:.2f}"


def currency(text: str) -> str:
    if not _CURRENCY.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a currency code such as USD or GBP")
    return text.strip().upper()


def offset(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("the offset is a number of seconds before the close, > 0")
    return value


def group(text: str) -> tuple[str, int]:
    """NAME or NAME:N: a bid group wanting N wins (default 1)."""
    name, sep, wins = text.rpartition(":")
    if not sep or not wins.isdigit():
        name, wins = text, "1"
    name = name.strip()
    if not name or len(name) > 64:
        raise argparse.ArgumentTypeError("a group is NAME or NAME:N (a name of 1 to 64 characters)")
    count = int(wins)
    if not 1 <= count <= 100:
        raise argparse.ArgumentTypeError("a group wants between 1 and 100 wins")
    return name, count


def since(text: str, now: datetime | None = None) -> str:
    """A date (2025-01-31), an instant (2025-01-31T18:00:00Z) or a span back from now (12h, 7d,
    2w), as the API's ISO 8601 filter value."""
    value = text.strip()
    relative = _RELATIVE.fullmatch(value)
    if relative:
        moment = (now or datetime.now(UTC)) - int(relative[1]) * _UNITS[relative[2]]
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (2025-01-31), an instant (2025-01-31T18:00:00Z) or a span "
            "such as 12h, 7d or 2w"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def outcomes(text: str) -> str:
    return _one_of_each(text, [s.value for s in SnipeStatus if s in TERMINAL], "outcomes")


def statuses(text: str) -> str:
    return _one_of_each(text, [s.value for s in SnipeStatus], "statuses")


def _one_of_each(text: str, allowed: list[str], what: str) -> str:
    """A comma-separated list of names from `allowed`, upper-cased, or the argument's error."""
    names = [part.strip().upper() for part in text.split(",") if part.strip()]
    if not names or any(name not in allowed for name in names):
        raise argparse.ArgumentTypeError(
            f"{what} are a comma-separated list of {', '.join(allowed)}"
        )
    return ",".join(names)


class ItemChoice(NamedTuple):
    """An item as named on the command line: its RESTful id, to look the listing up by, and
    what `POST /bids` is sent (the API reads the marketplace from a listing URL itself)."""

    rest_id: str
    sent: str


def item(text: str) -> ItemChoice:
    """An item number, a `v1|…|0` id or an eBay listing URL, checked by the API's own rule.

    A URL pasted without its scheme (`www.ebay.de/itm/…`) or as http is sent as https: the API
    takes https only, and eBay serves listings on nothing else.
    """
    sent = text.strip()
    if "/" in sent:
        scheme, sep, rest = sent.partition("://")
        if sep and scheme.lower() in ("http", "https"):
            sent = rest
        sent = "https://" + sent
    try:
        reference = parse_item_reference(sent)
    except InvalidInput as refused:
        raise argparse.ArgumentTypeError(refused.message) from None
    return ItemChoice(rest_id=reference.rest_id, sent=sent)
