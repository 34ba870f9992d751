"""Domain Structs <-> DynamoDB attribute values.

Structs encode to camelCase builtins (their `rename="camel"`), Money as `{"value", "currency"}`,
then to DynamoDB's typed attribute values. None is left out, so sparse indexes stay sparse.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from sniper.domain.money import Money

T = TypeVar("T")
Item = dict[str, Any]


def _enc_hook(value: Any) -> Any:
    if isinstance(value, Money):
        return {"value": value.value, "currency": value.currency}
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


def _dec_hook(kind: type, value: Any) -> Any:
    if kind is Money and isinstance(value, dict):
        return Money.parse(value["value"], value["currency"])
    raise NotImplementedError(f"cannot decode {kind}")


def to_builtins(struct: Any) -> dict[str, Any]:
    result: dict[str, Any] = msgspec.to_builtins(struct, enc_hook=_enc_hook, builtin_types=(bytes,))
    return result


def from_builtins(data: dict[str, Any], kind: type[T]) -> T:
    return msgspec.convert(data, type=kind, dec_hook=_dec_hook, strict=False)


def serialize(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, float):
        return {"N": repr(value)}
    if isinstance(value, bytes):
        return {"B": value}
    if isinstance(value, dict):
        return {"M": {k: serialize(v) for k, v in value.items() if v is not None}}
    if isinstance(value, list | tuple):
        return {"L": [serialize(v) for v in value]}
    if value is None:
        return {"NULL": True}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def deserialize(attribute: dict[str, Any]) -> Any:
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if kind == "BOOL":
        return value
    if kind == "B":
        return bytes(value)
    if kind == "M":
        return {k: deserialize(v) for k, v in value.items()}
    if kind == "L":
        return [deserialize(v) for v in value]
    if kind == "NULL":
        return None
    raise TypeError(f"unexpected DynamoDB type {kind}")


def to_item(data: dict[str, Any]) -> Item:
    return {key: serialize(value) for key, value in data.items() if value is not None}


def from_item(item: Item) -> dict[str, Any]:
    return {key: deserialize(value) for key, value in item.items()}
