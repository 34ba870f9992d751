"""A pure eBay auction engine: proxy bidding, reserve, Buy It Now and the hard close.

No I/O and no clock: every operation takes the instant (ns since the epoch) it happens at, so the
rules can be tested exhaustively and the simulator decides where time comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from sniper.domain.increments import bid_increment, next_minimum_bid
from sniper.domain.money import Money


class BidError(IntEnum):
    """The Buy Offer errorIds the engine itself can decide (names follow the contract)."""

    ENDED_BY_BUY_IT_NOW = 120002
    SELLER_CANNOT_BID = 120003
    TOO_LOW = 120008
    CURRENCY_MISMATCH = 120009
    CANNOT_LOWER = 120010
    AUCTION_ENDED = 120012
    NOT_AUTHORIZED_ADULT = 120021
    ADULT_CONSENT_REQUIRED = 120032


class BidRejected(Exception):
    def __init__(self, error: BidError, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message


class BuyItNowUnavailable(Exception):
    """Buy It Now is gone: never offered, a bid was placed, or the auction is over."""


@dataclass(frozen=True)
class StandingBid:
    """A bidder's current maximum. `seq` orders maxima in time: the lower one wins a tie."""

    bidder: str
    max_amount: Money
    seq: int
    proxy_bid_id: str
    placed_ns: int


@dataclass
class Auction:
    item_id: str
    legacy_item_id: str
    title: str
    marketplace_id: str
    seller: str
    start_price: Money
    end_ns: int
    created_ns: int
    reserve_price: Money | None = None
    buy_it_now_price: Money | None = None
    adult_only: bool = False
    fixed_price_only: bool = False
    image_url: str | None = None
    # Mutable state, changed only by the functions below.
    price: Money = field(init=False)
    bids: dict[str, StandingBid] = field(default_factory=dict)
    bid_count: int = 0
    ended_by_buy_it_now_ns: int | None = None
    buy_it_now_buyer: str | None = None
    _seq: int = 0

    def __post_init__(self) -> None:
        self.price = self.start_price

    @property
    def currency(self) -> str:
        return self.start_price.currency

    def ended(self, now_ns: int) -> bool:
        return self.ended_by_buy_it_now_ns is not None or now_ns >= self.end_ns

    def ranking(self) -> list[StandingBid]:
        """Standing bids, best first: highest maximum, then earliest."""
        return sorted(self.bids.values(), key=lambda b: (-b.max_amount.amount, b.seq))

    @property
    def leader(self) -> StandingBid | None:
        ranked = self.ranking()
        return ranked[0] if ranked else None

    @property
    def reserve_met(self) -> bool:
        if self.reserve_price is None:
            return True
        leader = self.leader
        return leader is not None and leader.max_amount >= self.reserve_price

    def buy_it_now_available(self, now_ns: int) -> bool:
        return self.buy_it_now_price is not None and not self.bids and not self.ended(now_ns)

    def next_minimum(self) -> Money:
        return next_minimum_bid(self.marketplace_id, self.price, has_bids=bool(self.bids))

    def winner(self, now_ns: int) -> str | None:
        """Who bought it, once it is over: the Buy It Now buyer, or a leader who met the reserve."""
        if self.buy_it_now_buyer is not None:
            return self.buy_it_now_buyer
        leader = self.leader
        if not self.ended(now_ns) or leader is None or not self.reserve_met:
            return None
        return leader.bidder


def place_proxy_bid(
    auction: Auction,
    *,
    bidder: str,
    max_amount: Money,
    now_ns: int,
    proxy_bid_id: str,
    adult_consent: bool = False,
    adult_allowed: bool = True,
) -> StandingBid:
    """Apply one proxy bid, or raise BidRejected with the errorId eBay would answer."""
    _check_bid(auction, bidder, max_amount, now_ns, adult_consent, adult_allowed)
    previous_leader = auction.leader
    auction._seq += 1
    standing = StandingBid(bidder, max_amount, auction._seq, proxy_bid_id, now_ns)
    auction.bids[bidder] = standing
    auction.bid_count += 1
    if previous_leader is not None and previous_leader.bidder == bidder:
        # Raising one's own maximum never bids against oneself; only a newly met reserve moves it.
        auction.price = _with_reserve(auction, auction.price)
    else:
        implied = _competitive_price(auction)
        auction.price = implied if implied >= auction.price else auction.price
    return standing


def buy_it_now(auction: Auction, *, buyer: str, now_ns: int) -> None:
    """End the listing with a purchase: a fixed-price item any time, an auction before any bid."""
    if buyer == auction.seller:
        raise BuyItNowUnavailable("a seller cannot buy their own item")
    if not auction.buy_it_now_available(now_ns):
        raise BuyItNowUnavailable(f"Buy It Now is not available on item {auction.item_id}")
    assert auction.buy_it_now_price is not None
    auction.ended_by_buy_it_now_ns = now_ns
    auction.buy_it_now_buyer = buyer
    auction.price = auction.buy_it_now_price


def _check_bid(
    auction: Auction,
    bidder: str,
    max_amount: Money,
    now_ns: int,
    adult_consent: bool,
    adult_allowed: bool,
) -> None:
    if auction.ended_by_buy_it_now_ns is not None:
        raise BidRejected(
            BidError.ENDED_BY_BUY_IT_NOW,
            "The auction was ended because the item was purchased with Buy It Now (fixed_price).",
        )
    if now_ns >= auction.end_ns:
        raise BidRejected(BidError.AUCTION_ENDED, "The auction has ended.")
    if bidder == auction.seller:
        raise BidRejected(BidError.SELLER_CANNOT_BID, "A seller cannot place a bid.")
    if auction.adult_only and not adult_allowed:
        raise BidRejected(
            BidError.NOT_AUTHORIZED_ADULT,
            "You are not authorized to bid on adult items. See the eBay help on adult items.",
        )
    if auction.adult_only and not adult_consent:
        raise BidRejected(
            BidError.ADULT_CONSENT_REQUIRED, "This requires the user's consent for adult items."
        )
    if max_amount.currency != auction.currency:
        raise BidRejected(
            BidError.CURRENCY_MISMATCH,
            "The bid currency needs to match the item price currency.",
        )
    own = auction.bids.get(bidder)
    leader = auction.leader
    if own is not None and leader is not None and leader.bidder == bidder:
        if max_amount <= own.max_amount:
            raise BidRejected(BidError.CANNOT_LOWER, "You cannot lower your proxy bid.")
        return
    minimum = auction.next_minimum()
    if max_amount < minimum:
        raise BidRejected(
            BidError.TOO_LOW, f"The bid amount is too low. The minimum bid is {minimum.value}."
        )


def _competitive_price(auction: Auction) -> Money:
    """The price the standing maxima imply: second-highest plus one increment, capped."""
    ranked = auction.ranking()
    leader = ranked[0]
    if len(ranked) == 1:
        return _with_reserve(auction, auction.start_price)
    second = ranked[1].max_amount
    stepped = second + bid_increment(auction.marketplace_id, second)
    return _with_reserve(auction, leader.max_amount.min(stepped))


def _with_reserve(auction: Auction, price: Money) -> Money:
    """Once a maximum meets the reserve, the price jumps to at least the reserve."""
    reserve = auction.reserve_price
    if reserve is None or not auction.reserve_met or price >= reserve:
        return price
    return reserve
