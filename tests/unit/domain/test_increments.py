from __future__ import annotations

import pytest

from sniper.domain.errors import CurrencyMismatch, InvalidInput
from sniper.domain.increments import (
    INCREMENT_TABLES,
    MARKETPLACE_CURRENCY,
    bid_increment,
    minimum_to_accept,
    next_minimum_bid,
)
from sniper.domain.money import Money

# (price, expected increment): each band's first and last cent, US table.
US_EDGES = [
    ("0.01", "0.05"), ("0.99", "0.05"), ("1.00", "0.25"), ("4.99", "0.25"), ("5.00", "0.50"),
    ("24.99", "0.50"), ("25.00", "1.00"), ("99.99", "1.00"), ("100.00", "2.50"),
    ("249.99", "2.50"), ("250.00", "5.00"), ("499.99", "5.00"), ("500.00", "10.00"),
    ("999.99", "10.00"), ("1000.00", "25.00"), ("2499.99", "25.00"), ("2500.00", "50.00"),
    ("4999.99", "50.00"), ("5000.00", "100.00"), ("123456.00", "100.00"),
]  # fmt: skip
UK_EDGES = [
    ("0.01", "0.05"), ("0.99", "0.05"), ("1.00", "0.20"), ("4.99", "0.20"), ("5.00", "0.50"),
    ("14.99", "0.50"), ("15.00", "1.00"), ("59.99", "1.00"), ("60.00", "2.00"),
    ("149.99", "2.00"), ("150.00", "5.00"), ("299.99", "5.00"), ("300.00", "10.00"),
    ("599.99", "10.00"), ("600.00", "20.00"), ("1499.99", "20.00"), ("1500.00", "50.00"),
    ("2999.99", "50.00"), ("3000.00", "100.00"), ("99999.00", "100.00"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("site", "currency", "price", "step"),
    [("EBAY_US", "USD", *edge) for edge in US_EDGES]
    + [("EBAY_GB", "GBP", *edge) for edge in UK_EDGES],
)
def test_the_us_and_uk_tables_at_every_band_edge(
    site: str, currency: str, price: str, step: str
) -> None:
    assert bid_increment(site, Money.parse(price, currency)) == Money.parse(step, currency)


def test_required_marketplaces_are_covered() -> None:
    for site in ("EBAY_US", "EBAY_GB", "EBAY_DE", "EBAY_FR", "EBAY_IT", "EBAY_ES", "EBAY_AU",
                 "EBAY_CA"):  # fmt: skip
        assert site in INCREMENT_TABLES
    assert MARKETPLACE_CURRENCY["EBAY_DE"] == "EUR"
    assert MARKETPLACE_CURRENCY["EBAY_AU"] == "AUD"
    assert MARKETPLACE_CURRENCY["EBAY_CA"] == "CAD"


def test_next_minimum_bid_is_start_price_until_someone_bids() -> None:
    price = Money.parse("9.99", "USD")
    assert next_minimum_bid("EBAY_US", price, has_bids=False) == price
    assert next_minimum_bid("EBAY_US", price, has_bids=True) == Money.parse("10.49", "USD")
    assert next_minimum_bid("EBAY_GB", Money.parse("60.00", "GBP"), has_bids=True) == Money.parse(
        "62.00", "GBP"
    )


def test_wrong_currency_or_marketplace_is_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        bid_increment("EBAY_US", Money.parse("1.00", "GBP"))
    with pytest.raises(InvalidInput, match="EBAY_XX"):
        bid_increment("EBAY_XX", Money.parse("1.00", "USD"))


def test_the_minimum_to_accept_follows_our_tables_where_we_know_the_site() -> None:
    price, quoted = Money.parse("10.00", "USD"), Money.parse("99.00", "USD")
    ours = minimum_to_accept("EBAY_US", price, has_bids=True, quoted=quoted)
    assert ours == Money.parse("10.50", "USD")
    # An unknown site, or no price (ended, or not an auction): what eBay quoted, if anything.
    assert minimum_to_accept("EBAY_PL", price, has_bids=True, quoted=quoted) == quoted
    assert minimum_to_accept(None, price, has_bids=True, quoted=quoted) == quoted
    assert minimum_to_accept("EBAY_US", None, has_bids=True, quoted=None) is None
