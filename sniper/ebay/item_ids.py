"""eBay item identifiers: the RESTful `v1|<legacy>|<variation>`, the legacy item number, and the
listing URLs users copy from eBay's sites (pure parsing, no I/O).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qs, quote, unquote, urlsplit

import msgspec

from sniper.domain.errors import InvalidInput

_LEGACY = re.compile(r"^[0-9]{6,19}$")  # ASCII only: \d also matches other scripts
_REST = re.compile(r"^v1\|([0-9]{6,19})\|([0-9]{1,19})$")
# /itm/<number> or /itm/<slug>/<number>: the slug is the title, whatever eBay made of it.
_LISTING_PATH = re.compile(r"^/itm/(?:[^/]+/)?([0-9]{6,19})$")
_VARIATION = re.compile(r"^[0-9]{1,19}$")

# The sites whose listing URLs are accepted, and the marketplace each one names (Browse's
# MarketplaceIdEnum, sent as X-EBAY-C-MARKETPLACE-ID).
MARKETPLACE_BY_SITE: Final = {
    "ebay.com": "EBAY_US",
    "ebay.co.uk": "EBAY_GB",
    "ebay.de": "EBAY_DE",
    "ebay.com.au": "EBAY_AU",
    "ebay.ca": "EBAY_CA",
    "ebay.fr": "EBAY_FR",
    "ebay.it": "EBAY_IT",
    "ebay.es": "EBAY_ES",
}
_HOST_PREFIXES: Final = ("www.", "m.")
ACCEPTED: Final = (
    "use the item number (e.g. 123456789012), the RESTful id v1|123456789012|0, or the "
    "listing's https URL on " + ", ".join(MARKETPLACE_BY_SITE) + " (…/itm/123456789012)"
)


class ItemReference(msgspec.Struct, frozen=True, kw_only=True):
    """An item as the user named it: its RESTful id, and the marketplace its URL names."""

    rest_id: str
    marketplace_id: str | None = None


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


def parse_item_reference(value: str, *, field: str = "itemId") -> ItemReference:
    """An item number, a RESTful id or an eBay listing URL; anything else is InvalidInput.

    A listing URL must be https on one of MARKETPLACE_BY_SITE's sites (bare, www. or m.), with
    no user, port or whitespace; its `var` query parameter is the variation.
    """
    if not isinstance(value, str):
        raise InvalidInput(
            f"an eBay item id must be a string, not {type(value).__name__}", field=field
        )
    candidate = value.strip()
    if "/" not in candidate:
        try:
            return ItemReference(rest_id=to_rest_item_id(candidate, field=field))
        except InvalidInput:
            raise InvalidInput(f"this is not an eBay item id; {ACCEPTED}", field=field) from None
    return _listing_url(candidate, field)


def _listing_url(url: str, field: str) -> ItemReference:
    def refused(why: str) -> InvalidInput:
        return InvalidInput(f"{why}; {ACCEPTED}", field=field)

    # urlsplit silently drops tabs and line breaks: refuse them rather than guess.
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise refused("a listing URL has no spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise refused("this is not a URL") from None
    if parts.scheme.lower() != "https":
        raise refused("a listing URL must start with https://")
    # The authority must be the bare host: no user@ (which would hide the real host), no port.
    if parts.netloc.lower() != host:
        raise refused("a listing URL names only the eBay site, without a user or port")
    site = next((host[len(p) :] for p in _HOST_PREFIXES if host.startswith(p)), host)
    marketplace = MARKETPLACE_BY_SITE.get(site)
    if marketplace is None:
        raise refused(f"{host} is not an eBay site we take listings from")
    path = _LISTING_PATH.match(parts.path)
    if path is None:
        raise refused("this eBay URL is not a listing (…/itm/<item number>)")
    variation = "0"
    values = [v for v in parse_qs(parts.query, keep_blank_values=True).get("var", []) if v]
    if values:
        if len(values) > 1 or not _VARIATION.match(values[0]):
            raise refused("the URL's var= must be one variation number")
        variation = values[0]
    return ItemReference(rest_id=f"v1|{path.group(1)}|{variation}", marketplace_id=marketplace)
