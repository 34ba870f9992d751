from __future__ import annotations

from decimal import Decimal

import pytest

from sniper.domain.errors import CurrencyMismatch, InvalidMoney
from sniper.domain.money import Money


@pytest.mark.parametrize(
    ("text", "currency", "value"),
    [("17.50", "USD", "17.50"), ("17.5", "USD", "17.50"), ("17", "GBP", "17.00"),
     ("0", "EUR", "0.00"), ("1500", "JPY", "1500"), ("17.50", "AUD", "17.50"),
     ("17.500", "USD", "17.50")],
)  # fmt: skip
def test_parse_ebay_style_strings(text: str, currency: str, value: str) -> None:
    money = Money.parse(text, currency)
    assert money.value == value
    assert money.currency == currency


@pytest.mark.parametrize(
    "bad",
    ["", " 1.00", "1.00 ", "-1.00", "+1.00", "1e3", "1,00", "NaN", "nan", "Infinity", "inf",
     "1.2.3", "abc", ".5", "5.", "0x10", "１２"],
)  # fmt: skip
def test_parse_rejects_malformed_strings(bad: str) -> None:
    with pytest.raises(InvalidMoney):
        Money.parse(bad, "USD")


def test_rejects_floats_and_bools() -> None:
    with pytest.raises(InvalidMoney, match="float"):
        Money(17.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(InvalidMoney):
        Money(True, "USD")  # type: ignore[arg-type]
    with pytest.raises(InvalidMoney):
        Money.parse(17.5, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-1")]
)
def test_rejects_non_finite_and_negative_decimals(bad: Decimal) -> None:
    with pytest.raises(InvalidMoney):
        Money(bad, "USD")


@pytest.mark.parametrize(
    ("text", "currency"), [("17.505", "USD"), ("1.5", "JPY"), ("0.001", "EUR")]
)
def test_rejects_more_decimals_than_the_currency_has(text: str, currency: str) -> None:
    with pytest.raises(InvalidMoney, match="decimal places"):
        Money.parse(text, currency)


def test_rejects_unknown_currency() -> None:
    with pytest.raises(InvalidMoney, match="currency"):
        Money.parse("1.00", "XYZ")
    with pytest.raises(InvalidMoney):
        Money.parse("1.00", "usd")


def test_arithmetic_within_one_currency() -> None:
    a, b = Money.parse("10.25", "USD"), Money.parse("0.75", "USD")
    assert a + b == Money.parse("11.00", "USD")
    assert a - b == Money.parse("9.50", "USD")
    assert b < a and a > b and a >= a and b <= b
    assert a.min(b) == b
    assert hash(a) == hash(Money.parse("10.250", "USD"))


def test_arithmetic_across_currencies_is_refused() -> None:
    usd, gbp = Money.parse("1.00", "USD"), Money.parse("1.00", "GBP")
    with pytest.raises(CurrencyMismatch):
        usd + gbp
    with pytest.raises(CurrencyMismatch):
        assert usd < gbp
    assert usd != gbp


def test_subtraction_below_zero_is_refused() -> None:
    with pytest.raises(InvalidMoney, match="negative"):
        Money.parse("1.00", "USD") - Money.parse("2.00", "USD")


def test_money_is_immutable_and_prints_plainly() -> None:
    money = Money.parse("3.10", "EUR")
    with pytest.raises(AttributeError):
        money.amount = Decimal(1)  # type: ignore[misc]
    assert str(money) == "3.10 EUR"
    assert repr(money) == "Money('3.10', 'EUR')"
