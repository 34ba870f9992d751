"""eBay's bid increment tables, per marketplace, and the lowest maximum bid they imply."""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal
from typing import Final

from sniper.domain.errors import CurrencyMismatch, InvalidInput
from sniper.domain.money import Money


class IncrementTable:
    """Bands as (lower edge, increment); a price at or above an edge uses that band's step."""

    __slots__ = ("_edges", "_steps", "currency")

    def __init__(self, currency: str, bands: list[tuple[str, str]]) -> None:
        self.currency = currency
        self._edges = [Decimal(edge) for edge, _ in bands]
        self._steps = [Decimal(step) for _, step in bands]
        if self._edges[0] != 0 or self._edges != sorted(self._edges):
            raise ValueError("bands must start at 0 and ascend")

    def increment(self, price: Money) -> Money:
        if price.currency != self.currency:
            raise CurrencyMismatch(f"a {self.currency} table cannot step a {price.currency} price")
        band = bisect_right(self._edges, price.amount) - 1
        return Money(self._steps[band], self.currency)


def _table(currency: str, edges: list[str], steps: list[str]) -> IncrementTable:
    return IncrementTable(currency, list(zip(["0", *edges], steps, strict=True)))


_US_EDGES = ["1.00", "5.00", "25.00", "100.00", "250.00", "500.00", "1000.00", "2500.00", "5000.00"]
_US_STEPS = ["0.05", "0.25", "0.50", "1.00", "2.50", "5.00", "10.00", "25.00", "50.00", "100.00"]
_UK_EDGES = ["1", "5", "15", "60", "150", "300", "600", "1500", "3000"]
_UK_STEPS = ["0.05", "0.20", "0.50", "1", "2", "5", "10", "20", "50", "100"]
# eBay.de's Bieterschritte, shared by the euro marketplaces.
_EU_EDGES = ["1", "5", "15", "50", "500", "1000", "5000"]
_EU_STEPS = ["0.05", "0.25", "0.50", "1", "5", "10", "50", "100"]

_EURO_SITES = (
    "EBAY_DE",
    "EBAY_AT",
    "EBAY_FR",
    "EBAY_IT",
    "EBAY_ES",
    "EBAY_NL",
    "EBAY_IE",
    "EBAY_BE",
)

INCREMENT_TABLES: Final[dict[str, IncrementTable]] = {
    "EBAY_US": _table("USD", _US_EDGES, _US_STEPS),
    "EBAY_CA": _table("CAD", _US_EDGES, _US_STEPS),
    "EBAY_AU": _table("AUD", _US_EDGES, _US_STEPS),
    "EBAY_GB": _table("GBP", _UK_EDGES, _UK_STEPS),
    **{site: _table("EUR", _EU_EDGES, _EU_STEPS) for site in _EURO_SITES},
}

MARKETPLACE_CURRENCY: Final[dict[str, str]] = {
    site: table.currency for site, table in INCREMENT_TABLES.items()
}


def increment_table(marketplace_id: str) -> IncrementTable:
    try:
        return INCREMENT_TABLES[marketplace_id]
    except KeyError:
        supported = ", ".join(sorted(INCREMENT_TABLES))
        raise InvalidInput(
            f"marketplace {marketplace_id!r} is not supported; use one of {supported}",
            field="marketplaceId",
        ) from None


def bid_increment(marketplace_id: str, price: Money) -> Money:
    return increment_table(marketplace_id).increment(price)


def next_minimum_bid(marketplace_id: str, current_price: Money, *, has_bids: bool) -> Money:
    """The lowest maximum eBay will accept: the start price until someone bids, then one step up."""
    if not has_bids:
        return current_price
    return current_price + bid_increment(marketplace_id, current_price)


def minimum_to_accept(
    marketplace_id: str | None,
    current_price: Money | None,
    *,
    has_bids: bool,
    quoted: Money | None,
) -> Money | None:
    """The lowest maximum to accept for a listing: the increment tables' next minimum where we
    know the marketplace and the price, else the minimum eBay quoted (Browse's
    minimumPriceToBid, which it leaves out once the auction has ended)."""
    if current_price is not None and marketplace_id in INCREMENT_TABLES:
        return next_minimum_bid(marketplace_id, current_price, has_bids=has_bids)
    return quoted
