"""Proxy bidding invariants over random bid sequences from several bidders."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sniper.devstack.ebaysim.engine import Auction, BidRejected, place_proxy_bid
from sniper.domain.increments import bid_increment
from sniper.domain.money import Money

BIDDERS = ["ann", "ben", "cat", "dan"]
T0 = 1_700_000_000_000_000_000

cents = st.integers(min_value=1, max_value=300_000)
bids = st.lists(st.tuples(st.sampled_from(BIDDERS), cents), min_size=1, max_size=25)


def usd(cents_: int) -> Money:
    return Money(Decimal(cents_) / 100, "USD")


def make(start: int, reserve: int | None) -> Auction:
    return Auction(
        item_id="v1|9|0", legacy_item_id="9", title="Lot", marketplace_id="EBAY_US",
        seller="seller", start_price=usd(start), end_ns=T0 + 10**12, created_ns=T0,
        reserve_price=usd(reserve) if reserve is not None else None,
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(min_value=1, max_value=50_000),
    reserve=st.one_of(st.none(), st.integers(min_value=1, max_value=200_000)),
    sequence=bids,
)
def test_proxy_bidding_invariants(
    start: int, reserve: int | None, sequence: list[tuple[str, int]]
) -> None:
    auction = make(start, reserve)
    # bidder -> (max, order in which that max was set): the model of who should lead
    maxima: dict[str, tuple[Money, int]] = {}
    for order, (bidder, amount) in enumerate(sequence):
        price_before = auction.price
        leader_before = auction.leader.bidder if auction.leader else None
        try:
            place_proxy_bid(auction, bidder=bidder, max_amount=usd(amount), now_ns=T0 + order,
                            proxy_bid_id=str(order))  # fmt: skip
        except BidRejected:
            assert auction.price == price_before
            continue
        maxima[bidder] = (usd(amount), order)

        ranked = sorted(maxima.items(), key=lambda kv: (-kv[1][0].amount, kv[1][1]))
        highest = ranked[0][1][0]
        leader = auction.leader
        assert leader is not None and leader.bidder == ranked[0][0]  # highest max, earliest on ties
        assert auction.price >= price_before  # never decreases
        assert auction.price <= highest
        assert auction.price >= auction.start_price
        reserve_met = auction.reserve_price is None or highest >= auction.reserve_price
        assert auction.reserve_met == reserve_met
        if auction.reserve_price is not None and reserve_met:
            assert auction.price >= auction.reserve_price

        if len(ranked) >= 2:
            second = ranked[1][1][0]
            implied = highest.min(second + bid_increment("EBAY_US", second))
            assert auction.price >= second
            challenger = leader_before != bidder
            if challenger:
                expected = implied
                if auction.reserve_price is not None and reserve_met:
                    expected = max(expected, auction.reserve_price, key=lambda m: m.amount)
                assert auction.price == max(expected, price_before, key=lambda m: m.amount)
            else:  # the leader raised their own maximum: no bidding against oneself
                assert auction.price <= max(
                    implied,
                    price_before,
                    auction.reserve_price or price_before,
                    key=lambda m: m.amount,
                )
        elif auction.reserve_price is not None and reserve_met:
            assert auction.price == max(
                auction.start_price, auction.reserve_price, key=lambda m: m.amount
            )
        else:
            assert auction.price == auction.start_price
