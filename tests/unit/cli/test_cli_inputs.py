"""Command-line values: what is accepted, how it is put in the API's terms, and the words for
what is not (argparse makes those a usage error, exit 2)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest

from sniper.cli import inputs

NOW = datetime(2025, 3, 10, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "sent"), [("25", "25.00"), ("25.5", "25.50"), ("25.00", "25.00"), ("$7", "7.00")]
)
def test_an_amount_is_written_as_ebay_writes_it(given: str, sent: str) -> None:
    assert inputs.amount(given) == sent


@pytest.mark.parametrize("given", ["twenty", "25.005", "-3", "0", "0.00", "1e3", "25,00", ""])
def test_an_amount_that_is_not_one_is_refused(given: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        inputs.amount(given)


@pytest.mark.parametrize(
    ("given", "group"),
    [("lenses", ("lenses", 1)), ("lenses:2", ("lenses", 2)), ("a:b", ("a:b", 1))],
)
def test_a_group_is_a_name_and_how_many_wins(given: str, group: tuple[str, int]) -> None:
    assert inputs.group(given) == group


@pytest.mark.parametrize("given", ["", ":2", "lenses:0", "lenses:101", "x" * 65])
def test_a_group_out_of_bounds_is_refused(given: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        inputs.group(given)


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("7d", "2025-03-03T12:00:00Z"),
        ("12h", "2025-03-10T00:00:00Z"),
        ("2w", "2025-02-24T12:00:00Z"),
        ("2025-01-31", "2025-01-31"),
        ("2025-01-31T18:00:00Z", "2025-01-31T18:00:00Z"),
        ("2025-01-31T19:00:00+01:00", "2025-01-31T18:00:00Z"),
    ],
)
def test_since_takes_a_date_an_instant_or_a_span_back(given: str, sent: str) -> None:
    assert inputs.since(given, now=NOW) == sent


@pytest.mark.parametrize("given", ["yesterday", "7 days", "2025-13-01"])
def test_since_refuses_what_it_cannot_read(given: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        inputs.since(given, now=NOW)


def test_outcomes_and_statuses_are_the_apis_names() -> None:
    assert inputs.outcomes("won, lost") == "WON,LOST"
    assert inputs.statuses("scheduled,placed") == "SCHEDULED,PLACED"
    for check, bad in ((inputs.outcomes, "WON,PLACED"), (inputs.statuses, "DONE")):
        with pytest.raises(argparse.ArgumentTypeError):
            check(bad)


@pytest.mark.parametrize(
    ("given", "rest_id", "sent"),
    [
        ("123456789012", "v1|123456789012|0", "123456789012"),
        (" v1|123456789012|0 ", "v1|123456789012|0", "v1|123456789012|0"),
        (
            "https://www.ebay.co.uk/itm/Leica-M6-body-boxed/123456789012?hash=item1c&var=7",
            "v1|123456789012|7",
            "https://www.ebay.co.uk/itm/Leica-M6-body-boxed/123456789012?hash=item1c&var=7",
        ),
        # Pasted without its scheme, or as http: sent as https, which is all the API takes.
        (
            "www.ebay.de/itm/123456789012",
            "v1|123456789012|0",
            "https://www.ebay.de/itm/123456789012",
        ),
        (
            "http://m.ebay.es/itm/123456789012",
            "v1|123456789012|0",
            "https://m.ebay.es/itm/123456789012",
        ),
    ],
)
def test_an_item_is_checked_by_the_apis_rule_and_sent_as_the_api_takes_it(
    given: str, rest_id: str, sent: str
) -> None:
    assert inputs.item(given) == inputs.ItemChoice(rest_id=rest_id, sent=sent)


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("https://www.example.com/itm/123456789012", "www.example.com is not an eBay site"),
        ("https://www.ebay.com.evil.example/itm/123456789012", "is not an eBay site"),
        ("https://www.ebay.com/sch/i.html?_nkw=leica", "is not a listing"),
        ("leica m6", "not an eBay item id"),
    ],
)
def test_what_is_no_ebay_item_is_a_usage_error_naming_why(given: str, said: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=said):
        inputs.item(given)
