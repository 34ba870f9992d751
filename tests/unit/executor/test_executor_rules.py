"""The executor's pure rules and its timing logic, driven by a fake clock (no sockets)."""

from __future__ import annotations

import asyncio

import pytest

from sniper.clock import NS_PER_MS, NS_PER_S
from sniper.domain.money import Money
from sniper.domain.snipe import BidGroup, SkipReason, SnipeStatus
from sniper.ebay.browse import Item
from sniper.executor.groups import GroupVerdict, group_verdict
from sniper.executor.prepare import check_item
from sniper.executor.timing import wait_until
from tests.factories import make_snipe

NOW_MS = 1_700_000_000_000


class FakeClock:
    """Sleeping advances time; reading it costs a little, as a real busy wait does."""

    def __init__(self, start_ns: int, read_cost_ns: int = 50_000) -> None:
        self.now = start_ns
        self.read_cost_ns = read_cost_ns
        self.sleeps: list[float] = []

    def now_ns(self) -> int:
        self.now += self.read_cost_ns
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += int(seconds * NS_PER_S) + 200_000  # timers fire a little late


def item(**overrides: object) -> Item:
    fields: dict[str, object] = {
        "item_id": "v1|123456789012|0",
        "legacy_item_id": "123456789012",
        "title": "Camera",
        "buying_options": ("AUCTION",),
        "currency": "USD",
        "current_bid_price": Money.parse("12.00", "USD"),
        "minimum_price_to_bid": Money.parse("12.50", "USD"),
        "bid_count": 2,
        "item_end_ms": NOW_MS + 60_000,
        "reserve_price_met": None,
        "adult_only": False,
        "marketplace_id": "EBAY_US",
    }
    fields.update(overrides)
    return Item(**fields)  # type: ignore[arg-type]


async def test_wait_until_never_returns_early_and_is_precise() -> None:
    clock = FakeClock(NOW_MS * NS_PER_MS)
    target = clock.now + 2 * NS_PER_S
    late = await wait_until(clock, target)
    assert clock.now >= target
    assert 0 <= late < 1 * NS_PER_MS
    assert clock.sleeps[0] == pytest.approx(2 - 0.004, abs=0.001)  # one coarse sleep first


async def test_wait_until_in_the_past_returns_at_once() -> None:
    clock = FakeClock(NOW_MS * NS_PER_MS)
    assert await wait_until(clock, clock.now - NS_PER_S) > 0
    assert clock.sleeps == []


async def test_wait_until_with_the_real_clock_never_returns_early() -> None:
    """How precisely it lands is a benchmark's claim (benchmarks/executor_timing.py); here only
    what must hold on any machine, however loaded: never early, and not absurdly late."""
    from sniper.clock import SYSTEM_CLOCK as clock

    target = clock.now_ns() + 30 * NS_PER_MS
    late = await wait_until(clock, target)
    assert late >= 0 and clock.now_ns() >= target
    assert late < 1 * NS_PER_S
    await asyncio.sleep(0)


def test_a_live_auction_within_the_max_goes_ahead() -> None:
    snipe = make_snipe(auction_end_ms=NOW_MS + 60_000)
    assert check_item(snipe, item(), NOW_MS) == (None, None, False)


def test_an_auction_over_at_its_known_close_means_the_executor_came_late() -> None:
    snipe = make_snipe(auction_end_ms=NOW_MS - 1_000)
    late = check_item(snipe, item(item_end_ms=NOW_MS - 1_000), NOW_MS)
    assert late.late and late.skip is None


def test_price_above_the_max_skips() -> None:
    snipe = make_snipe(auction_end_ms=NOW_MS + 60_000, max_bid=Money.parse("25.00", "USD"))
    above = item(
        current_bid_price=Money.parse("25.00", "USD"),  # with bids: eBay wants 26.00 or more
        minimum_price_to_bid=Money.parse("26.00", "USD"),
    )
    verdict = check_item(snipe, above, NOW_MS)
    assert verdict.skip == SkipReason.PRICE_ABOVE_MAX
    # Without minimumPriceToBid, the increment table decides: 24.50 + 0.50 is fine at 25.00.
    fine = item(minimum_price_to_bid=None, current_bid_price=Money.parse("24.50", "USD"))
    assert check_item(snipe, fine, NOW_MS).skip is None
    over = item(minimum_price_to_bid=None, current_bid_price=Money.parse("24.75", "USD"))
    assert check_item(snipe, over, NOW_MS).skip == SkipReason.PRICE_ABOVE_MAX


def test_ended_early_is_told_apart_from_buy_it_now() -> None:
    snipe = make_snipe(auction_end_ms=NOW_MS + 60_000)
    bought = item(item_end_ms=NOW_MS - 5_000, bid_count=0)
    assert check_item(snipe, bought, NOW_MS).skip == SkipReason.ENDED_BY_BUY_IT_NOW
    ended = item(item_end_ms=NOW_MS - 5_000, bid_count=3)
    assert check_item(snipe, ended, NOW_MS).skip == SkipReason.AUCTION_ENDED_EARLY
    gone = item(buying_options=("FIXED_PRICE",))
    assert check_item(snipe, gone, NOW_MS).skip == SkipReason.AUCTION_ENDED_EARLY


def test_a_moved_end_is_adopted() -> None:
    snipe = make_snipe(auction_end_ms=NOW_MS + 60_000)
    assert check_item(snipe, item(item_end_ms=NOW_MS + 90_000), NOW_MS).new_end_ms == (
        NOW_MS + 90_000
    )
    assert check_item(snipe, item(item_end_ms=NOW_MS + 60_400), NOW_MS).new_end_ms is None


def test_group_rules() -> None:
    group = BidGroup(group_id="g", max_wins=1)
    first = make_snipe(auction_end_ms=NOW_MS + 10_000, group=group)
    second = make_snipe(auction_end_ms=NOW_MS + 20_000, group=group)
    assert group_verdict(first, [first, second]) == GroupVerdict.GO
    assert group_verdict(second, [first, second]) == GroupVerdict.WAIT
    won = first.moved_to(SnipeStatus.ARMED, now_ms=NOW_MS)
    won = won.moved_to(SnipeStatus.BIDDING, now_ms=NOW_MS).moved_to(
        SnipeStatus.PLACED, now_ms=NOW_MS
    )
    assert group_verdict(second, [won, second]) == GroupVerdict.WAIT
    won = won.moved_to(SnipeStatus.WON, now_ms=NOW_MS)
    assert group_verdict(second, [won, second]) == GroupVerdict.ALREADY_WON
    lost = first.moved_to(SnipeStatus.CANCELLED, now_ms=NOW_MS)
    assert group_verdict(second, [lost, second]) == GroupVerdict.GO
    # With two wins allowed, one win does not stop the next snipe.
    two_allowed = make_snipe(
        auction_end_ms=NOW_MS + 20_000, group=BidGroup(group_id="g", max_wins=2)
    )
    assert group_verdict(two_allowed, [won, two_allowed]) == GroupVerdict.GO
    assert group_verdict(make_snipe(), []) == GroupVerdict.GO
