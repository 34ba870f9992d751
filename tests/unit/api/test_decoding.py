"""Request decoding: every class of bad input is an InvalidInput naming the field."""

from __future__ import annotations

import pytest

from sniper.api.decoding import decode_body, decode_query, event_body, to_money
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
