"""The auction engine's rules, one by one (pure: instants are passed in, no clock)."""

from __future__ import annotations

import pytest

from sniper.devstack.ebaysim.engine import (
    Auction,
    BidError,
    BidRejected,
    BuyItNowUnavailable,
    buy_it_now,
    place_proxy_bid,
)
from sniper.domain.money import Money

START_NS = 1_700_000_000_000_000_000
END_NS = START_NS + 60_000_000_000


def usd(value: str) -> Money:
    return Money.parse(value, "USD")


def auction(start: str = "10.00", **extra: object) -> Auction:
    return Auction(
        item_id="v1|1|0", legacy_item_id="1", title="Camera", marketplace_id="EBAY_US",
        seller="seller", start_price=usd(start), end_ns=END_NS, created_ns=START_NS,
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


_ids = iter(range(10**9))


def bid(a: Auction, bidder: str, value: str, at: int = START_NS + 1, **extra: bool) -> None:
    place_proxy_bid(a, bidder=bidder, max_amount=usd(value), now_ns=at,
                    proxy_bid_id=str(next(_ids)), **extra)  # fmt: skip


def rejected(a: Auction, bidder: str, value: str, at: int = START_NS + 1, **extra: bool) -> int:
    with pytest.raises(BidRejected) as caught:
        bid(a, bidder, value, at, **extra)
    return int(caught.value.error)


def test_first_bid_leads_at_the_start_price() -> None:
    a = auction()
    bid(a, "alice", "25.00")
    assert a.price == usd("10.00")
    assert a.leader is not None and a.leader.bidder == "alice"
    assert a.bid_count == 1


@pytest.mark.parametrize(
    ("alices_max", "bobs_max", "leader", "price"),
    [
        # Bob outbids: he pays Alice's maximum plus one step (5.00-24.99 band: 0.50).
        ("20.00", "30.00", "bob", "20.50"),
        # Bob falls short: Alice's proxy raises the price to his maximum plus one step (1.00).
        ("50.00", "30.00", "alice", "31.00"),
        # ... but never past the leader's own maximum.
        ("30.50", "30.00", "alice", "30.50"),
    ],
)
def test_the_second_highest_maximum_plus_one_increment_sets_the_price(
    alices_max: str, bobs_max: str, leader: str, price: str
) -> None:
    a = auction()
    bid(a, "alice", alices_max)
    bid(a, "bob", bobs_max)
    assert a.leader is not None and a.leader.bidder == leader
    assert a.price == usd(price)


def test_the_earliest_of_equal_maxima_wins() -> None:
    a = auction()
    bid(a, "alice", "40.00", at=START_NS + 5)
    bid(a, "bob", "40.00", at=START_NS + 6)
    assert a.leader is not None and a.leader.bidder == "alice"
    assert a.price == usd("40.00")


def test_increments_follow_the_marketplace_table() -> None:
    a = auction(start="100.00")
    bid(a, "alice", "500.00")
    bid(a, "bob", "120.00")
    assert a.price == usd("122.50")  # 100.00-249.99: step 2.50
    gb = Auction(item_id="v1|2|0", legacy_item_id="2", title="Tea", marketplace_id="EBAY_GB",
                 seller="s", start_price=Money.parse("10.00", "GBP"), end_ns=END_NS,
                 created_ns=START_NS)  # fmt: skip
    place_proxy_bid(gb, bidder="a", max_amount=Money.parse("90.00", "GBP"), now_ns=START_NS,
                    proxy_bid_id="p1")  # fmt: skip
    place_proxy_bid(gb, bidder="b", max_amount=Money.parse("20.00", "GBP"), now_ns=START_NS,
                    proxy_bid_id="p2")  # fmt: skip
    assert gb.price == Money.parse("21.00", "GBP")  # UK 15-59.99: step 1.00


def test_a_bid_below_the_next_minimum_is_too_low() -> None:
    a = auction()
    assert rejected(a, "alice", "9.99") == BidError.TOO_LOW
    bid(a, "alice", "20.00")
    assert rejected(a, "bob", "10.49") == BidError.TOO_LOW  # next minimum: 10.00 + 0.50
    bid(a, "bob", "10.50")


def test_an_outbid_bidder_must_beat_the_new_minimum() -> None:
    a = auction()
    bid(a, "alice", "20.00")
    bid(a, "bob", "15.00")
    assert a.price == usd("15.50")
    assert rejected(a, "bob", "15.90") == BidError.TOO_LOW
    bid(a, "bob", "16.00")
    assert a.price == usd("16.50")


def test_the_leader_cannot_lower_their_maximum() -> None:
    a = auction()
    bid(a, "alice", "20.00")
    assert rejected(a, "alice", "15.00") == BidError.CANNOT_LOWER


def test_the_leader_raising_their_own_maximum_keeps_the_price() -> None:
    a = auction()
    bid(a, "alice", "20.00")
    bid(a, "bob", "12.00")
    before = a.price
    bid(a, "alice", "80.00")
    assert a.price == before == usd("12.50")
    assert a.leader is not None and a.leader.max_amount == usd("80.00")


def test_a_seller_cannot_bid() -> None:
    assert rejected(auction(), "seller", "20.00") == BidError.SELLER_CANNOT_BID


def test_a_bid_in_another_currency_is_refused() -> None:
    a = auction()
    with pytest.raises(BidRejected) as caught:
        place_proxy_bid(a, bidder="x", max_amount=Money.parse("20.00", "GBP"), now_ns=START_NS,
                        proxy_bid_id="p")  # fmt: skip
    assert caught.value.error == BidError.CURRENCY_MISMATCH


def test_hard_close_refuses_a_bid_at_the_end_instant_and_takes_one_just_before() -> None:
    a = auction()
    bid(a, "alice", "20.00", at=END_NS - 1)
    assert rejected(a, "bob", "30.00", at=END_NS) == BidError.AUCTION_ENDED
    assert a.ended(END_NS) and not a.ended(END_NS - 1)
    assert a.winner(END_NS) == "alice"
    assert a.winner(END_NS - 1) is None


def test_reserve_not_met_keeps_the_start_price_and_sells_nothing() -> None:
    a = auction(reserve_price=usd("50.00"))
    bid(a, "alice", "40.00")
    assert a.price == usd("10.00")
    assert not a.reserve_met
    assert a.winner(END_NS) is None


def test_price_jumps_to_the_reserve_once_a_maximum_meets_it() -> None:
    a = auction(reserve_price=usd("50.00"))
    bid(a, "alice", "40.00")
    bid(a, "bob", "60.00")
    assert a.reserve_met
    assert a.price == usd("50.00")  # 40.00 + 1.00 would be below the reserve
    assert a.winner(END_NS) == "bob"


def test_the_leader_raising_to_the_reserve_moves_the_price_to_it() -> None:
    a = auction(reserve_price=usd("50.00"))
    bid(a, "alice", "30.00")
    bid(a, "alice", "55.00")
    assert a.price == usd("50.00")
    assert a.reserve_met


def test_buy_it_now_ends_the_auction_before_any_bid() -> None:
    a = auction(buy_it_now_price=usd("99.00"))
    assert a.buy_it_now_available(START_NS)
    buy_it_now(a, buyer="carol", now_ns=START_NS + 10)
    assert a.ended(START_NS + 11)
    assert a.price == usd("99.00")
    assert a.winner(START_NS + 11) == "carol"
    assert rejected(a, "bob", "120.00", at=START_NS + 12) == BidError.ENDED_BY_BUY_IT_NOW


def test_buy_it_now_disappears_after_the_first_bid() -> None:
    a = auction(buy_it_now_price=usd("99.00"))
    bid(a, "alice", "20.00")
    assert not a.buy_it_now_available(START_NS + 2)
    with pytest.raises(BuyItNowUnavailable):
        buy_it_now(a, buyer="carol", now_ns=START_NS + 2)


def test_adult_items_need_consent_and_permission() -> None:
    a = auction(adult_only=True)
    assert rejected(a, "alice", "20.00") == BidError.ADULT_CONSENT_REQUIRED
    assert (
        rejected(a, "alice", "20.00", adult_consent=True, adult_allowed=False)
        == BidError.NOT_AUTHORIZED_ADULT
    )
    bid(a, "alice", "20.00", adult_consent=True)
    assert a.leader is not None and a.leader.bidder == "alice"


def test_a_refused_bid_changes_nothing() -> None:
    a = auction()
    bid(a, "alice", "20.00")
    bid(a, "bob", "12.00")
    snapshot = (a.price, a.bid_count, dict(a.bids))
    rejected(a, "carol", "1.00")
    assert (a.price, a.bid_count, dict(a.bids)) == snapshot
