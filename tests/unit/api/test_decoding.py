"""Request decoding: every class of bad input is an InvalidInput naming the field."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from sniper.api.decoding import decode_body, decode_query, event_body, json_body, to_money
from sniper.api.errors import UnsupportedMediaType
from sniper.api.requests import BidsQuery, CreateBidRequest, HistoryQuery, UpdatePreferencesRequest
from sniper.domain.errors import InvalidInput, InvalidMoney
from sniper.domain.money import Money


def _field(body: bytes, kind: type) -> tuple[str | None, str]:
    with pytest.raises(InvalidInput) as caught:
        decode_body(body, kind)
    return caught.value.field, caught.value.message


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (b"{not json", "body", "not valid JSON"),
        (b"", "body", "required"),
        (b"[]", None, "Expected `object`"),
        (
            b'{"itemId": 5, "maxBid": {"value": "1.00", "currency": "USD"}}',
            "itemId",
            "Expected `str`",
        ),
        (
            b'{"itemId": "1", "maxBid": {"value": 1.5, "currency": "USD"}}',
            "maxBid.value",
            "Expected `str`",
        ),
        (b'{"itemId": "1"}', "maxBid", "required"),
        (b'{"itemId": "1", "maxBid": {"value": "1", "currency": "USD"}, "x": 1}', "x", "unknown"),
        (
            b'{"itemId": "1", "maxBid": {"value": "1", "currency": "USD", "cents": 1}}',
            "maxBid.cents",
            "unknown",
        ),
        (
            b'{"itemId": "1", "maxBid": {"value": "1", "currency": "USD"}, "offsetSeconds": 0.1}',
            "offsetSeconds",
            ">= 0.5",
        ),
        (
            b'{"itemId": "1", "maxBid": {"value": "1", "currency": "USD"}, "offsetSeconds": 99}',
            "offsetSeconds",
            "<= 60",
        ),
        (
            b'{"itemId": "1", "maxBid": {"value": "1", "currency": "USD"}, "offsetSeconds": true}',
            "offsetSeconds",
            "Expected `float",
        ),
        (
            b'{"itemId": "1", "maxBid": {"value": "1", "currency": "USD"}, "group": {"groupId": ""}}',
            "group.groupId",
            "length",
        ),
    ],
)
def test_bad_bodies_name_the_field(body: bytes, field: str | None, says: str) -> None:
    got_field, message = _field(body, CreateBidRequest)
    assert got_field == field
    assert says in message


def test_a_good_body_decodes() -> None:
    request = decode_body(
        b'{"itemId": "v1|123456789012|0", "maxBid": {"value": "25.00", "currency": "USD"},'
        b' "offsetSeconds": 4, "group": {"groupId": "g"}}',
        CreateBidRequest,
    )
    assert request.offset_seconds == 4.0 and request.group is not None
    assert request.group.max_wins == 1


def test_nested_unknown_field() -> None:
    field, _ = _field(b'{"notifications": {"sms": true}}', UpdatePreferencesRequest)
    assert field == "notifications.sms"


def test_query_strings_convert_text_and_refuse_unknown_names() -> None:
    assert decode_query({"limit": "10"}, BidsQuery).limit == 10
    assert decode_query(None, BidsQuery).limit == 25
    assert decode_query({"from": "2025-01-01"}, HistoryQuery).from_ == "2025-01-01"
    for query, field in (
        ({"limit": "ten"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"page": "2"}, "page"),
    ):
        with pytest.raises(InvalidInput) as caught:
            decode_query(query, BidsQuery)
        assert caught.value.field == field


@pytest.mark.parametrize(
    ("value", "currency", "field"),
    [
        ("25.001", "USD", "maxBid.value"),
        ("-1", "USD", "maxBid.value"),
        ("1e3", "USD", "maxBid.value"),
        ("25", "XYZ", "maxBid.currency"),
        ("25.5", "JPY", "maxBid.value"),
    ],
)
def test_money_errors_name_value_or_currency(value: str, currency: str, field: str) -> None:
    with pytest.raises(InvalidMoney) as caught:
        to_money(value, currency, field="maxBid")
    assert caught.value.field == field


def test_money_parses_exactly() -> None:
    assert to_money("25.5", "USD", field="maxBid") == Money.parse("25.50", "USD")


def test_base64_bodies_are_decoded() -> None:
    assert event_body({"body": "eyJhIjogMX0=", "isBase64Encoded": True}) == b'{"a": 1}'
    assert event_body({}) == b""
    with pytest.raises(InvalidInput):
        event_body({"body": "***", "isBase64Encoded": True})


def _event(body: bytes | None, content_type: str | None) -> dict[str, Any]:
    """An HTTP API v2 event's body part, base64 as API Gateway sends bytes it cannot pass as text."""
    event: dict[str, Any] = {
        "headers": {} if content_type is None else {"content-type": content_type},
        "isBase64Encoded": True,
    }
    if body is not None:
        event["body"] = base64.b64encode(body).decode()
    return event


GOOD = b'{"itemId": "123456789012", "maxBid": {"value": "25.00", "currency": "USD"}}'


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;Charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/json;charset=utf8",
    ],
)
def test_json_declared_as_json_is_read(content_type: str) -> None:
    request = json_body(_event(GOOD, content_type), CreateBidRequest)
    assert request.item_id == "123456789012"


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "text/plain",
        "text/plain; charset=utf-8",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json-patch+json",
        "application/jsonx",
        "application/json; charset=latin-1",
        "application/json; boundary=x",
        "json",
        "application/json\u0000",
    ],
)
def test_a_body_not_declared_as_json_is_415(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        json_body(_event(GOOD, content_type), CreateBidRequest)
    assert caught.value.field == "Content-Type"
    assert "application/json" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        b'{"itemId": "\xff", "maxBid": {"value": "1", "currency": "USD"}}',
        b'{"itemId": "\xc3", "maxBid": {"value": "1", "currency": "USD"}}',
        b'{"itemId": "\xed\xa0\x80", "maxBid": {"value": "1", "currency": "USD"}}',  # surrogate
        b"\xff\xfe{}",
    ],
)
def test_invalid_utf8_is_a_400_at_the_body(body: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        json_body(_event(body, "application/json"), CreateBidRequest)
    assert caught.value.field == "body" and "UTF-8" in caught.value.message


def test_a_lone_surrogate_in_a_text_event_is_a_400_not_a_crash() -> None:
    event = {"body": '{"itemId": "\udcff"}', "headers": {"content-type": "application/json"}}
    with pytest.raises(InvalidInput) as caught:
        json_body(event, CreateBidRequest)
    assert caught.value.field == "body"


def test_an_empty_body_is_a_400_whatever_its_type() -> None:
    for content_type in (None, "text/plain", "application/json"):
        with pytest.raises(InvalidInput) as caught:
            json_body(_event(None, content_type), CreateBidRequest)
        assert caught.value.field == "body" and type(caught.value) is InvalidInput
