"""Item id forms: RESTful and legacy in, RESTful out, pipes encoded in paths."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sniper.domain.errors import InvalidInput
from sniper.ebay.item_ids import item_id_path_segment, legacy_item_id, to_rest_item_id
from sniper.ebay.offer import bidding_path, place_proxy_bid_path


@pytest.mark.parametrize(
    ("given_id", "expected"),
    [
        ("123456789012", "v1|123456789012|0"),
        (" 123456789012\n", "v1|123456789012|0"),
        ("v1|123456789012|0", "v1|123456789012|0"),
        ("v1|110551991234|400012345678", "v1|110551991234|400012345678"),
        ("v1%7C123456789012%7C0", "v1|123456789012|0"),
        ("v1%7c123456789012%7c0", "v1|123456789012|0"),
    ],
)
def test_accepted_forms(given_id: str, expected: str) -> None:
    assert to_rest_item_id(given_id) == expected


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "abc",
        "v1|abc|0",
        "v2|123456789012|0",
        "v1|123456789012",
        "123",
        "12345678901234567890",
        "v1|123456789012|0|1",
        "-123456789012",
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
        "https://www.ebay.com/itm/123456789012",
        "1.5e11",
    ],
)
def test_garbage_is_a_clear_invalid_input(garbage: str) -> None:
    with pytest.raises(InvalidInput, match="not an eBay item id") as caught:
        to_rest_item_id(garbage)
    assert caught.value.field == "itemId"


def test_paths_carry_the_pipes_encoded() -> None:
    assert item_id_path_segment("123456789012") == "v1%7C123456789012%7C0"
    assert bidding_path("v1|123456789012|0") == "/buy/offer/v1_beta/bidding/v1%7C123456789012%7C0"
    assert place_proxy_bid_path("123456789012").endswith("/v1%7C123456789012%7C0/place_proxy_bid")
    assert legacy_item_id("v1|123456789012|7") == "123456789012"


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=100_000, max_value=10**19 - 1), st.integers(0, 10**12))
def test_any_legacy_and_variation_round_trips(legacy: int, variation: int) -> None:
    rest = f"v1|{legacy}|{variation}"
    assert to_rest_item_id(rest) == rest
    assert to_rest_item_id(item_id_path_segment(rest)) == rest
    assert to_rest_item_id(str(legacy)) == f"v1|{legacy}|0"
    assert "|" not in item_id_path_segment(rest)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=30))
def test_random_text_either_parses_to_a_rest_id_or_is_refused(text: str) -> None:
    try:
        result = to_rest_item_id(text)
    except InvalidInput:
        return
    prefix, legacy, variation = result.split("|")
    assert prefix == "v1"
    assert legacy.isascii() and legacy.isdigit()
    assert variation.isascii() and variation.isdigit()
