"""The demo's script: amounts that follow eBay's increment tables, instants that make every
expectation deterministic, and the comparison of what happened with what was expected."""

from __future__ import annotations

import pytest

from sniper.devstack.demo.script import (
    FAST,
    STANDARD,
    Expected,
    Lot,
    Observed,
    Pace,
    differences,
    proxy_price,
    script,
)
from sniper.domain.increments import next_minimum_bid
from sniper.domain.instants import DEFAULT as TIMING
from sniper.domain.money import Money
from sniper.domain.snipe import DEFAULT_OFFSET_SECONDS, SkipReason, SnipeStatus

# The executor re-reads the auction this long before its instant (ExecutorSettings default),
# and the settle reads the outcome this long after the close.
PREPARE_LEAD_S = 8.0
SETTLE_GRACE_S = 2.0


@pytest.mark.parametrize(
    ("winner", "runner_up", "price"),
    [
        ("45.00", "30.00", "31.00"),  # 25-99.99: steps of 1.00
        ("40.00", "18.00", "18.50"),  # 5-24.99: steps of 0.50
        ("80.00", "60.00", "61.00"),
        ("30.40", "30.00", "30.40"),  # never above the winner's maximum
        ("4.00", "3.00", "3.25"),  # 1-4.99: steps of 0.25
    ],
)
def test_the_proxy_price_is_the_runner_up_plus_one_increment(
    winner: str, runner_up: str, price: str
) -> None:
    assert proxy_price(winner, runner_up) == price


@pytest.mark.parametrize("pace", [STANDARD, FAST], ids=["standard", "fast"])
def test_each_outcome_of_the_story_is_scripted_once(pace: Pace) -> None:
    lots = script(pace).lots
    outcomes = sorted((lot.expected.status, lot.expected.reason or "") for lot in lots)
    assert outcomes == sorted(
        [
            (SnipeStatus.WON, ""),
            (SnipeStatus.WON, ""),
            (SnipeStatus.LOST, ""),
            (SnipeStatus.SKIPPED, SkipReason.GROUP_ALREADY_WON),
            (SnipeStatus.SKIPPED, SkipReason.ENDED_BY_BUY_IT_NOW),
        ]
    )
    assert len({lot.title for lot in lots}) == len(lots)  # emails are matched by title


@pytest.mark.parametrize("pace", [STANDARD, FAST], ids=["standard", "fast"])
def test_every_snipe_can_be_set_when_the_demo_sets_it(pace: Pace) -> None:
    for lot in script(pace).lots:
        start = Money.parse(lot.start_price, "USD")
        assert Money.parse(lot.max_bid, "USD") >= next_minimum_bid("EBAY_US", start, has_bids=True)
        # The API refuses a snipe due in less than min_lead_ms; setting them takes ~1 s.
        assert lot.closes_s - DEFAULT_OFFSET_SECONDS - 1.5 >= TIMING.min_lead_ms / 1000


@pytest.mark.parametrize("pace", [STANDARD, FAST], ids=["standard", "fast"])
def test_the_winning_prices_follow_from_the_rivals(pace: Pace) -> None:
    demo = script(pace)
    for lot in demo.lots:
        if lot.expected.status == SnipeStatus.WON:
            (rival,) = lot.rivals
            assert Money.parse(rival.max_bid, "USD") < Money.parse(lot.max_bid, "USD")
            assert lot.expected.final_price == proxy_price(lot.max_bid, rival.max_bid)
            assert rival.at_s < lot.closes_s - DEFAULT_OFFSET_SECONDS  # before our bid
    lost = next(lot for lot in demo.lots if lot.expected.status == SnipeStatus.LOST)
    (late,) = lost.rivals
    assert Money.parse(late.max_bid, "USD") > Money.parse(lost.max_bid, "USD")
    # After our bid lands (offset before the close), before the close.
    assert lost.closes_s - DEFAULT_OFFSET_SECONDS < late.at_s < lost.closes_s
    assert lost.expected.final_price == proxy_price(late.max_bid, lost.max_bid) == "61.00"


@pytest.mark.parametrize("pace", [STANDARD, FAST], ids=["standard", "fast"])
def test_the_group_is_settled_before_its_second_snipe_gives_up(pace: Pace) -> None:
    demo = script(pace)
    first, second = sorted((lot for lot in demo.lots if lot.in_group), key=lambda x: x.closes_s)
    assert demo.group_max_wins == 1
    assert first.expected.status == SnipeStatus.WON
    assert second.expected == Expected(
        status=SnipeStatus.SKIPPED,
        reason=SkipReason.GROUP_ALREADY_WON,
        final_price=second.start_price,  # its only rival bids alone
        bids_at_ebay=0,
    )
    first_settled = first.closes_s + SETTLE_GRACE_S
    second_gives_up = second.closes_s - DEFAULT_OFFSET_SECONDS - PREPARE_LEAD_S
    assert second_gives_up - first_settled >= 2.0  # seconds of margin


@pytest.mark.parametrize("pace", [STANDARD, FAST], ids=["standard", "fast"])
def test_buy_it_now_happens_after_the_snipe_is_set_and_before_it_is_checked(pace: Pace) -> None:
    bought = next(lot for lot in script(pace).lots if lot.bought_at_s is not None)
    assert bought.bought_at_s is not None and bought.buy_it_now_price is not None
    checked = bought.closes_s - DEFAULT_OFFSET_SECONDS - PREPARE_LEAD_S
    assert 3.0 <= bought.bought_at_s <= checked - 2.0
    assert not bought.rivals  # Buy It Now goes away with the first bid
    assert bought.expected.final_price == bought.buy_it_now_price
    assert bought.expected.bids_at_ebay == 0


def test_the_paces_fit_their_budgets() -> None:
    assert script(STANDARD).lasts_s <= 90  # `make run`: about 90 s in all
    assert script(FAST).lasts_s <= 30  # the test


def _lot(expected: Expected) -> Lot:
    return Lot(
        key="k", title="A camera", story="", start_price="10.00", closes_s=20, max_bid="30.00",
        expected=expected,
    )  # fmt: skip


def test_what_went_as_scripted_has_no_differences() -> None:
    lot = _lot(Expected(status=SnipeStatus.WON, final_price="11.00"))
    seen = Observed("WON", None, "11.00", bids_at_ebay=1, email_subject="You won: A camera")
    assert differences(lot, seen) == []


def test_each_difference_is_named() -> None:
    lot = _lot(Expected(status=SnipeStatus.SKIPPED, reason="GROUP_ALREADY_WON",
                        final_price="15.00", bids_at_ebay=0))  # fmt: skip
    seen = Observed("LOST", None, "16.00", bids_at_ebay=1, email_subject=None)
    assert differences(lot, seen) == [
        "expected SKIPPED (GROUP_ALREADY_WON), got LOST",
        "expected a final price of 15.00, got 16.00",
        "expected 0 bid(s) at eBay, got 1",
        "expected an email, none was sent",
    ]
