"""Getting a bid ready: is the auction still worth bidding on, and a warm, measured connection.

`check_item` is the pure rule on a fresh Browse read. `OfferRequests` pre-encodes the two Offer
requests the executor sends on its warm connection (placeProxyBid, and getBidding as the probe
that warms the connection, checks the token and measures the round trip).
"""

from __future__ import annotations

from typing import NamedTuple

from sniper.domain.snipe import SkipReason, Snipe
from sniper.ebay.browse import Item
from sniper.ebay.errors import (
    EbayAppNotApproved,
    EbayError,
    EbayUnavailable,
    NoBiddingActivity,
    Unauthorized,
    error_from_response,
)
from sniper.ebay.offer import (
    Bidding,
    bidding_path,
    offer_headers,
    place_proxy_bid_body,
    place_proxy_bid_path,
    read_bidding,
)
from sniper.ebay.wire import WarmConnection

# An end time this far from the one we know counts as moved (eBay rounds nothing; be lenient).
END_TOLERANCE_MS = 1000


class ItemVerdict(NamedTuple):
    skip: SkipReason | None = None
    new_end_ms: int | None = None  # the auction's end moved: adopt it
    late: bool = False  # it closed when expected: we are the ones who came too late


def check_item(snipe: Snipe, item: Item, now_ms: int) -> ItemVerdict:
    """Decide from a fresh getItem whether the snipe should still fire, and when."""
    end = item.item_end_ms
    if end is not None and end <= now_ms:
        if end >= snipe.auction_end_ms - END_TOLERANCE_MS:
            return ItemVerdict(late=True)
        # Over before its time. Buy It Now is only possible while nobody has bid.
        bought = item.bid_count == 0
        return ItemVerdict(
            SkipReason.ENDED_BY_BUY_IT_NOW if bought else SkipReason.AUCTION_ENDED_EARLY
        )
    if not item.is_auction:
        return ItemVerdict(SkipReason.AUCTION_ENDED_EARLY)
    minimum = item.next_minimum_bid  # the same rule the API checks a new snipe's max with
    comparable = minimum is not None and minimum.currency == snipe.max_bid.currency
    if comparable and minimum is not None and snipe.max_bid < minimum:
        return ItemVerdict(SkipReason.PRICE_ABOVE_MAX)
    if end is not None and abs(end - snipe.auction_end_ms) > END_TOLERANCE_MS:
        return ItemVerdict(new_end_ms=end)
    return ItemVerdict()


class OfferRequests:
    """The executor's Offer requests, encoded in full ahead of time for one access token."""

    def __init__(self, connection: WarmConnection, snipe: Snipe, access_token: str) -> None:
        self.connection = connection
        self.snipe = snipe
        self.use_token(access_token)

    def use_token(self, access_token: str) -> None:
        snipe = self.snipe
        self.place = self.connection.prepare(
            "POST",
            place_proxy_bid_path(snipe.item_id),
            offer_headers(access_token, snipe.marketplace_id, with_body=True),
            place_proxy_bid_body(snipe.max_bid, adult_only=snipe.adult_only),
        )
        self.probe = self.connection.prepare(
            "GET",
            bidding_path(snipe.item_id),
            offer_headers(access_token, snipe.marketplace_id, with_body=False),
        )

    async def bidding(self) -> tuple[Bidding | None, int]:
        """Our bidding on the item (None: we never bid) and the round trip it took, in ns.

        Raises Unauthorized (refresh the token), EbayUnavailable, or another typed error.
        """
        response = await self.connection.send(self.probe)
        if 200 <= response.status < 300:
            bidding = read_bidding(
                response.status, response.headers, response.body, self.snipe.item_id
            )
            return bidding, response.round_trip_ns
        error = error_from_response("offer", response.status, response.headers, response.body)
        if isinstance(error, NoBiddingActivity):
            return None, response.round_trip_ns
        raise error


class WarmUp(NamedTuple):
    round_trips_ns: list[int]
    bidding: Bidding | None
    unauthorized: bool


async def warm_up(requests: OfferRequests, samples: int) -> WarmUp:
    """Open the connection and send `samples` getBidding probes on it.

    A failing probe costs only its sample: the bid is still worth trying without an estimate.
    """
    round_trips: list[int] = []
    bidding: Bidding | None = None
    for _ in range(max(1, samples)):
        try:
            bidding, rtt = await requests.bidding()
        except Unauthorized:
            return WarmUp(round_trips, bidding, True)
        except EbayAppNotApproved:
            break  # not the token: every probe would be refused alike, and so will the bid
        except (EbayUnavailable, EbayError):
            continue
        round_trips.append(rtt)
    return WarmUp(round_trips, bidding, False)


def our_maximum_stands(bidding: Bidding | None, snipe: Snipe) -> bool:
    """Is our proxy bid (this snipe's maximum, or more) standing on eBay?"""
    if bidding is None or bidding.max_amount is None:
        return False
    amount = bidding.max_amount
    return amount.currency == snipe.max_bid.currency and amount >= snipe.max_bid
