"""Money as eBay moves it: a Decimal value with an ISO 4217 currency, travelling as a string."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sniper.domain.errors import CurrencyMismatch, InvalidMoney

# Minor units per currency; a currency missing here is one eBay does not list in.
CURRENCY_DECIMALS: dict[str, int] = {
    "USD": 2, "GBP": 2, "EUR": 2, "AUD": 2, "CAD": 2, "CHF": 2, "HKD": 2, "SGD": 2,
    "MYR": 2, "PHP": 2, "PLN": 2, "SEK": 2, "CZK": 2, "INR": 2, "TWD": 2,
    "JPY": 0,
}  # fmt: skip

_AMOUNT = re.compile(r"\A[0-9]{1,12}(\.[0-9]+)?\Z")


class Money:
    """An exact, non-negative amount in one currency. Immutable and hashable."""

    __slots__ = ("amount", "currency")

    amount: Decimal
    currency: str

    def __init__(self, amount: Decimal | int | str, currency: str) -> None:
        if isinstance(amount, bool | float):
            raise InvalidMoney('money must not be a float; send a string such as "17.50"')
        if currency not in CURRENCY_DECIMALS:
            raise InvalidMoney(f"unsupported currency {currency!r}")
        value = _to_decimal(amount)
        if not value.is_finite():
            raise InvalidMoney(f"amount {amount!r} is not a finite number")
        if value < 0:
            raise InvalidMoney(f"amount {amount!r} is negative")
        places = CURRENCY_DECIMALS[currency]
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > places and value != value.quantize(Decimal(1).scaleb(-places)):
            raise InvalidMoney(
                f"amount {amount!r} has more than {places} decimal places for {currency}"
            )
        object.__setattr__(self, "amount", value.quantize(Decimal(1).scaleb(-places)))
        object.__setattr__(self, "currency", currency)

    @classmethod
    def parse(cls, value: str, currency: str) -> Money:
        """Parse an eBay-style amount string ("17.50"); strict, no signs, exponents or spaces."""
        if not isinstance(value, str):
            raise InvalidMoney(
                f'amount must be a string such as "17.50", not {type(value).__name__}'
            )
        if not _AMOUNT.match(value):
            raise InvalidMoney(f'{value!r} is not an amount such as "17.50"')
        return cls(Decimal(value), currency)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Money is immutable")

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    @property
    def value(self) -> str:
        """The wire form: a plain decimal string with the currency's places ("17.50")."""
        return f"{self.amount:f}"

    def __str__(self) -> str:
        return f"{self.value} {self.currency}"

    def __repr__(self) -> str:
        return f"Money({self.value!r}, {self.currency!r})"


def _to_decimal(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, Decimal):
        return amount
    if isinstance(amount, int):
        return Decimal(amount)
    if isinstance(amount, str):
        if not _AMOUNT.match(amount):
            raise InvalidMoney(f'{amount!r} is not an amount such as "17.50"')
        try:
            return Decimal(amount)
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only valid numbers
            raise InvalidMoney(f"{amount!r} is not a number") from exc
    raise InvalidMoney(f"amount must be a string or Decimal, not {type(amount).__name__}")
