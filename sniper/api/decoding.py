"""Request bodies and query strings into msgspec Structs; anything wrong is a 400 naming the field.

msgspec's messages already say what was expected ("Expected `str`, got `int`"); this module
moves the JSON path they end with into the error's `field`, so a client can point at it.

Every route with a body reads it through `json_body`: declared as application/json (charset
utf-8 at most), else 415; valid UTF-8, else 400 at `body`. A body without a Content-Type is
refused too: the OpenAPI document declares application/json, and guessing would let a browser's
CORS-simple request (text/plain, a form) through as if it were JSON.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from email.message import Message
from typing import Any, TypeVar

import msgspec

from sniper.api.errors import UnsupportedMediaType
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
    # surrogatepass: a lone surrogate in the event's text becomes bytes the UTF-8 check refuses.
    return str(body).encode("utf-8", "surrogatepass")


def header(event: Mapping[str, Any], name: str) -> str | None:
    """A request header (HTTP API v2 lowercases names; a repeated one arrives comma-joined)."""
    wanted = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == wanted:
            return str(value)
    return None


JSON_MEDIA_TYPE = "application/json"
_UTF8 = frozenset({"utf-8", "utf8"})


def check_json_media_type(content_type: str | None) -> None:
    """application/json, optionally with charset=utf-8; anything else is 415."""
    refused = UnsupportedMediaType(
        "send the body as JSON with Content-Type: application/json", field="Content-Type"
    )
    if not content_type or not content_type.isprintable():
        raise refused
    # email.message is the standard library's MIME header parser (cgi.parse_header is gone).
    parsed = Message()
    parsed["Content-Type"] = content_type
    if parsed.get_content_type() != JSON_MEDIA_TYPE:
        raise refused
    for name, value in parsed.get_params(failobj=[])[1:]:
        if name.lower() != "charset" or str(value).lower() not in _UTF8:
            raise refused


def json_body(event: Mapping[str, Any], kind: type[T]) -> T:
    """The request's JSON body as `kind`: the one way a route reads a body."""
    body = event_body(event)
    if not body.strip():
        raise InvalidInput("a JSON body is required", field="body")
    check_json_media_type(header(event, "Content-Type"))
    return decode_body(body, kind)


def decode_body(body: bytes, kind: type[T]) -> T:
    if not body.strip():
        raise InvalidInput("a JSON body is required", field="body")
    try:
        body.decode("utf-8")  # strict: msgspec would raise a bare UnicodeDecodeError (a 500)
    except UnicodeDecodeError:
        raise InvalidInput("the body is not valid UTF-8 (JSON must be)", field="body") from None
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
