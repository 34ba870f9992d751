"""Request bodies and query strings into msgspec Structs; anything wrong is a 400 naming the field.

msgspec's messages already say what was expected ("Expected `str`, got `int`"); this module
moves the JSON path they end with into the error's `field`, so a client can point at it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from sniper.domain.errors import InvalidInput, InvalidMoney
from sniper.domain.money import CURRENCY_DECIMALS, Money

T = TypeVar("T")

_AT = re.compile(r"^(?P<message>.*) - at `\$(?P<path>[^`]*)`$", re.DOTALL)
_NAMED = re.compile(r"^Object (?P<what>contains unknown|missing required) field `(?P<name>[^`]+)`$")


def _field_path(path: str) -> str | None:
    return path.lstrip(".") or None


def invalid_input(error: msgspec.ValidationError, *, prefix: str = "") -> InvalidInput:
    """msgspec's validation error as InvalidInput with `field` set to the offending path."""
    text = str(error)
    path = ""
    match = _AT.match(text)
    if match:
        text, path = match.group("message"), match.group("path")
    field = _field_path(path)
    named = _NAMED.match(text)
    if named:
        field = ".".join(p for p in (field, named.group("name")) if p)
        if named.group("what") == "missing required":
            text = "this field is required"
        else:
            text = "unknown field; remove it"
    if prefix and field:
        field = f"{prefix}.{field}"
    elif prefix:
        field = prefix
    return InvalidInput(text, field=field)


def event_body(event: Mapping[str, Any]) -> bytes:
    """The raw body of an HTTP API v2 event (base64-decoded if API Gateway encoded it)."""
    body = event.get("body")
    if body is None:
        return b""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("the body is not valid base64", field="body") from None
    return str(body).encode()


def decode_body(body: bytes, kind: type[T]) -> T:
    if not body.strip():
        raise InvalidInput("a JSON body is required", field="body")
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as exc:
        raise invalid_input(exc) from None
    except msgspec.DecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON ({exc})", field="body") from None


def decode_query(params: Mapping[str, str] | None, kind: type[T]) -> T:
    """Query strings are text: numbers and booleans are converted, unknown names refused."""
    try:
        return msgspec.convert(dict(params or {}), type=kind, strict=False)
    except msgspec.ValidationError as exc:
        raise invalid_input(exc) from None


def to_money(value: str, currency: str, *, field: str) -> Money:
    """A request's {value, currency} as Money; the error names `field.value` or `field.currency`."""
    if currency not in CURRENCY_DECIMALS:
        supported = ", ".join(sorted(CURRENCY_DECIMALS))
        raise InvalidMoney(
            f"unsupported currency {currency!r}; use one of {supported}", field=f"{field}.currency"
        )
    try:
        return Money.parse(value, currency)
    except InvalidMoney as exc:
        raise InvalidMoney(exc.message, field=f"{field}.value") from None
