"""Item id forms: RESTful, legacy and eBay listing URLs in, RESTful out, pipes encoded in paths."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sniper.domain.errors import InvalidInput
from sniper.ebay.item_ids import (
    MARKETPLACE_BY_SITE,
    ItemReference,
    item_id_path_segment,
    legacy_item_id,
    parse_item_reference,
    to_rest_item_id,
)
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


# ---------------------------------------------------------------- listing URLs


@pytest.mark.parametrize(
    ("url", "rest_id", "marketplace"),
    [
        ("https://www.ebay.com/itm/123456789012", "v1|123456789012|0", "EBAY_US"),
        ("https://ebay.com/itm/123456789012", "v1|123456789012|0", "EBAY_US"),
        ("https://m.ebay.com/itm/123456789012", "v1|123456789012|0", "EBAY_US"),
        ("https://www.ebay.co.uk/itm/123456789012", "v1|123456789012|0", "EBAY_GB"),
        ("https://www.ebay.de/itm/Leica-M6-Body/123456789012", "v1|123456789012|0", "EBAY_DE"),
        ("https://www.ebay.com.au/itm/123456789012?hash=item1cbd:g:AbC", "v1|123456789012|0", "EBAY_AU"),
        ("https://www.ebay.ca/itm/123456789012?var=400012345678", "v1|123456789012|400012345678", "EBAY_CA"),
        (
            "https://www.ebay.fr/itm/Appareil-photo/123456789012?hash=item:g:x&var=77&_trksid=p1",
            "v1|123456789012|77",
            "EBAY_FR",
        ),
        ("https://m.ebay.it/itm/123456789012#description", "v1|123456789012|0", "EBAY_IT"),
        ("https://www.ebay.es/itm/123456789012?var=", "v1|123456789012|0", "EBAY_ES"),
        ("HTTPS://WWW.EBAY.COM/itm/123456789012", "v1|123456789012|0", "EBAY_US"),
        ("  https://www.ebay.com/itm/123456789012\n", "v1|123456789012|0", "EBAY_US"),
        ("https://www.ebay.com/itm/Caf%C3%A9-Grinder-/123456789012", "v1|123456789012|0", "EBAY_US"),
    ],
)  # fmt: skip
def test_listing_urls_give_the_item_and_the_sites_marketplace(
    url: str, rest_id: str, marketplace: str
) -> None:
    assert parse_item_reference(url) == ItemReference(rest_id=rest_id, marketplace_id=marketplace)


def test_item_numbers_and_rest_ids_name_no_marketplace() -> None:
    assert parse_item_reference("123456789012") == ItemReference(rest_id="v1|123456789012|0")
    assert parse_item_reference("v1|123456789012|5").rest_id == "v1|123456789012|5"
    assert parse_item_reference("v1%7C123456789012%7C0").marketplace_id is None


@pytest.mark.parametrize(
    "refused",
    [
        "http://www.ebay.com/itm/123456789012",
        "www.ebay.com/itm/123456789012",
        "//www.ebay.com/itm/123456789012",
        "ftp://www.ebay.com/itm/123456789012",
        "https://ebay.com.evil.example/itm/123456789012",
        "https://www.ebay.com.evil.example/itm/123456789012",
        "https://evil.example/ebay.com/itm/123456789012",
        "https://www.ebay.com@evil.example/itm/123456789012",
        "https://user@www.ebay.com/itm/123456789012",
        "https://www.ebay.com:8443/itm/123456789012",
        "https://www.ebay.com./itm/123456789012",
        "https://notebay.com/itm/123456789012",
        "https://www.ebay.at/itm/123456789012",
        "https://www.ebay.cn/itm/123456789012",
        "https://www.m.ebay.com/itm/123456789012",
        "https://www.ebay.com/itm/abc",
        "https://www.ebay.com/itm/Leica/abc",
        "https://www.ebay.com/itm/",
        "https://www.ebay.com/itm/123",
        "https://www.ebay.com/itm/123456789012/",
        "https://www.ebay.com/itm/a/b/123456789012",
        "https://www.ebay.com/sch/i.html?item=123456789012",
        "https://www.ebay.com/p/123456789012",
        "https://www.ebay.com/itm/123456789012?var=abc",
        "https://www.ebay.com/itm/123456789012?var=1&var=2",
        "https://www.ebay.com/itm/12345\n6789012",
        "https://www.ebay.com/itm/123 456789012",
        "https://www.ebay.com/itm/\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
        "https://[::1]/itm/123456789012",
        "https://www.ebay.com/itm/123456789012?var=\uff11",
    ],
)
def test_anything_else_is_refused_at_the_field_saying_what_is_accepted(refused: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_item_reference(refused)
    assert caught.value.field == "itemId"
    assert "ebay.co.uk" in caught.value.message and "item number" in caught.value.message


_SITES = st.sampled_from(sorted(MARKETPLACE_BY_SITE))
_SLUGS = st.text(
    alphabet=st.characters(codec="ascii", categories=("L", "N"), include_characters="-_%"),
    min_size=1,
    max_size=40,
)


@settings(max_examples=120, deadline=None)
@given(
    site=_SITES,
    prefix=st.sampled_from(["", "www.", "m."]),
    slug=st.none() | _SLUGS,
    legacy=st.integers(min_value=100_000, max_value=10**19 - 1),
    variation=st.none() | st.integers(min_value=0, max_value=10**19 - 1),
    hash_value=st.none() | st.text(alphabet="abcdefABCDEF0123456789:g", max_size=20),
)
def test_every_well_formed_listing_url_round_trips(
    site: str,
    prefix: str,
    slug: str | None,
    legacy: int,
    variation: int | None,
    hash_value: str | None,
) -> None:
    path = f"/itm/{slug}/{legacy}" if slug else f"/itm/{legacy}"
    query = [f"hash={hash_value}"] if hash_value is not None else []
    if variation is not None:
        query.append(f"var={variation}")
    url = f"https://{prefix}{site}{path}" + ("?" + "&".join(query) if query else "")
    reference = parse_item_reference(url)
    assert reference.rest_id == f"v1|{legacy}|{variation if variation is not None else 0}"
    assert reference.marketplace_id == MARKETPLACE_BY_SITE[site]


@settings(max_examples=120, deadline=None)
@given(
    site=_SITES, suffix=st.text(alphabet="abcdefghijklmnopqrstuvwxyz.-", min_size=1, max_size=12)
)
def test_a_known_site_with_anything_after_it_is_another_host(site: str, suffix: str) -> None:
    host = f"www.{site}{'.' if not suffix.startswith('.') else ''}{suffix}"
    with pytest.raises(InvalidInput):
        parse_item_reference(f"https://{host}/itm/123456789012")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60) | st.from_regex(r"https://[a-z.]{0,20}/itm/[0-9a-z/?=&]{0,30}"))
def test_any_text_is_refused_or_parses_to_a_rest_id_and_a_known_marketplace(text: str) -> None:
    refused_at: str | None = None
    try:
        reference = parse_item_reference(text)
    except InvalidInput as refused:
        refused_at = refused.field
    if refused_at is not None:
        assert refused_at == "itemId"
        return
    prefix, legacy, variation = reference.rest_id.split("|")
    assert prefix == "v1" and legacy.isascii() and legacy.isdigit() and variation.isdigit()
    assert reference.marketplace_id in (None, *MARKETPLACE_BY_SITE.values())
