"""TEMPORARY: the item number in an eBay listing URL, read by the CLI itself.

The API is learning to take a listing URL as `itemId` (POST /bids, on the api-trust branch).
Until it does, `sniper add URL` sends the URL, and only when the API refuses it (400 on itemId)
falls back to the item number read here. Remove this module and its one use
(`sniper.cli.commands.snipes._item_number_fallback`) once the API accepts listing URLs.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

_SITES = ("ebay.com", "ebay.co.uk", "ebay.de", "ebay.com.au", "ebay.ca", "ebay.fr", "ebay.it",
          "ebay.es")  # fmt: skip
_NUMBER = re.compile(r"[0-9]{6,19}")


def item_number(url: str) -> str | None:
    """`https://www.ebay.co.uk/itm/Leica-M6/123456789012?hash=...` -> `123456789012`."""
    text = url.strip()
    if not text.lower().startswith(("http://", "https://")):
        text = "https://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    if not any(host == site or host.endswith("." + site) for site in _SITES):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if "itm" in segments:
        after = segments[segments.index("itm") + 1 :]
        for segment in reversed(after):
            if _NUMBER.fullmatch(segment):
                return segment
    for name in ("item", "itm", "itemId"):
        for value in parse_qs(parts.query).get(name, []):
            if _NUMBER.fullmatch(value):
                return value
    return None
