"""eBay item identifiers: the RESTful `v1|<legacy>|<variation>` and the legacy item number."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from sniper.domain.errors import InvalidInput

_LEGACY = re.compile(r"^[0-9]{6,19}$")  # ASCII only: \d also matches other scripts
_REST = re.compile(r"^v1\|([0-9]{6,19})\|([0-9]{1,19})$")


def to_rest_item_id(value: str, *, field: str = "itemId") -> str:
    """`v1|123456789012|0` from either that form (also URL-encoded) or a legacy `123456789012`."""
    if not isinstance(value, str):
        raise InvalidInput(
            f"an eBay item id must be a string, not {type(value).__name__}", field=field
        )
    candidate = value.strip()
    if "%" in candidate:
        candidate = unquote(candidate)
    if _LEGACY.match(candidate):
        return f"v1|{candidate}|0"
    if _REST.match(candidate):
        return candidate
    raise InvalidInput(
        f"{value!r} is not an eBay item id; use the item number (e.g. 123456789012) "
        "or the RESTful form v1|123456789012|0",
        field=field,
    )


def legacy_item_id(rest_item_id: str) -> str:
    """The item number inside a RESTful id."""
    match = _REST.match(to_rest_item_id(rest_item_id))
    assert match is not None  # to_rest_item_id only returns the RESTful form
    return match.group(1)


def item_id_path_segment(item_id: str) -> str:
    """The id as a URL path segment: the pipes must travel encoded (`v1%7C...%7C0`)."""
    return quote(to_rest_item_id(item_id), safe="")
