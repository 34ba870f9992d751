"""Everything the simulator knows: auctions, users and tokens, watch lists, faults and the bid log.

Handlers and the admin API go through this object; in-process tests may too.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from dataclasses import dataclass, field

import msgspec

from sniper.clock import WallClock as Clock
from sniper.devstack.ebaysim.accounts import Accounts
from sniper.devstack.ebaysim.approval import BiddingApproval
from sniper.devstack.ebaysim.config import SimConfig
from sniper.devstack.ebaysim.engine import Auction, BidRejected, StandingBid, place_proxy_bid
from sniper.devstack.ebaysim.faults import Faults
from sniper.devstack.ebaysim.signing import NotificationSigner
from sniper.domain.money import Money

_FIRST_LEGACY_ID = 110_550_000_001
DEFAULT_SELLER = "sim_seller"
# What a linked sniper account is consented for: Browse, Offer bidding, Identity.
USER_SCOPES = (
    "https://api.ebay.com/oauth/api_scope",
    "https://api.ebay.com/oauth/api_scope/buy.offer.auction",
    "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly",
)


class BidAttempt(msgspec.Struct, kw_only=True):
    """One bid as it reached the simulator; arrivedNs is taken first thing in the request."""

    arrivedNs: int
    itemId: str
    bidder: str | None
    amount: str | None
    currency: str | None
    status: int
    errorId: int | None = None
    proxyBidId: str | None = None
    applied: bool = False  # the engine took the bid, whatever status the client finally got
    source: str = "api"  # "api" (placeProxyBid) or "rival" (admin)


@dataclass
class SimState:
    config: SimConfig
    clock: Clock
    accounts: Accounts = field(init=False)
    approval: BiddingApproval = field(init=False)
    auctions: dict[str, Auction] = field(default_factory=dict)
    watchlists: dict[str, list[str]] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    bid_log: list[BidAttempt] = field(default_factory=list)
    # Bumped by reset(): a request that arrived before a reset (say, one held by a delay fault)
    # must not act on the world that replaced it.
    epoch: int = 0
    signer: NotificationSigner = field(default_factory=NotificationSigner)
    scheduled: set[asyncio.TimerHandle] = field(default_factory=set)
    _legacy_ids: itertools.count[int] = field(init=False)

    def __post_init__(self) -> None:
        self.accounts = Accounts(self.config)
        self.approval = BiddingApproval(self.config.bidding_approved)
        self._legacy_ids = itertools.count(_FIRST_LEGACY_ID)

    def now_ns(self) -> int:
        return self.clock.now_ns()

    def reset(self) -> None:
        """Forget everything but the signing key, so one server can serve many tests."""
        self.epoch += 1
        for handle in self.scheduled:
            handle.cancel()
        self.scheduled.clear()
        self.accounts = Accounts(self.config)
        self.approval = BiddingApproval(self.config.bidding_approved)
        self.auctions.clear()
        self.watchlists.clear()
        self.faults.clear()
        self.bid_log.clear()

    # -- auctions ---------------------------------------------------------------------------

    def create_auction(
        self,
        *,
        title: str,
        start_price: Money,
        marketplace_id: str = "EBAY_US",
        end_ns: int | None = None,
        ends_in_s: float | None = None,
        reserve_price: Money | None = None,
        buy_it_now_price: Money | None = None,
        seller: str = DEFAULT_SELLER,
        adult_only: bool = False,
        fixed_price_only: bool = False,
        image_url: str | None = None,
    ) -> Auction:
        now = self.now_ns()
        if end_ns is None:
            end_ns = now + int((ends_in_s if ends_in_s is not None else 3600) * 1_000_000_000)
        legacy = str(next(self._legacy_ids))
        auction = Auction(
            item_id=f"v1|{legacy}|0",
            legacy_item_id=legacy,
            title=title,
            marketplace_id=marketplace_id,
            seller=seller,
            start_price=start_price,
            end_ns=end_ns,
            created_ns=now,
            reserve_price=reserve_price,
            buy_it_now_price=start_price if fixed_price_only else buy_it_now_price,
            adult_only=adult_only,
            fixed_price_only=fixed_price_only,
            image_url=image_url or f"https://i.ebayimg.com/images/g/sim/s-l1600-{legacy}.jpg",
        )
        self.auctions[auction.legacy_item_id] = auction
        return auction

    def find_auction(self, item_id: str) -> Auction | None:
        """By RESTful id (v1|123|0) or legacy id (123)."""
        parts = item_id.split("|")
        if len(parts) == 3 and parts[0] == "v1" and parts[2] == "0":
            return self.auctions.get(parts[1])
        return self.auctions.get(item_id)

    def bid(
        self,
        auction: Auction,
        *,
        bidder: str,
        max_amount: Money,
        arrived_ns: int,
        source: str = "api",
        adult_consent: bool = False,
    ) -> StandingBid:
        """Apply a bid through the engine and log it; re-raises BidRejected after logging."""
        user = self.accounts.users.get(bidder)
        proxy_bid_id = secrets.token_hex(8)
        try:
            standing = place_proxy_bid(
                auction,
                bidder=bidder,
                max_amount=max_amount,
                now_ns=arrived_ns,
                proxy_bid_id=proxy_bid_id,
                adult_consent=adult_consent or source == "rival",
                adult_allowed=user.adult_allowed if user else True,
            )
        except BidRejected as rejected:
            status = 409
            self.log_bid(
                auction.item_id,
                bidder,
                max_amount,
                arrived_ns,
                status,
                int(rejected.error),
                None,
                source,
            )
            raise
        self.log_bid(
            auction.item_id, bidder, max_amount, arrived_ns, 200, None, proxy_bid_id, source
        )
        return standing

    def log_bid(
        self,
        item_id: str,
        bidder: str | None,
        amount: Money | None,
        arrived_ns: int,
        status: int,
        error_id: int | None,
        proxy_bid_id: str | None = None,
        source: str = "api",
    ) -> BidAttempt:
        attempt = BidAttempt(
            arrivedNs=arrived_ns,
            itemId=item_id,
            bidder=bidder,
            amount=amount.value if amount else None,
            currency=amount.currency if amount else None,
            status=status,
            errorId=error_id,
            proxyBidId=proxy_bid_id,
            applied=status == 200,
            source=source,
        )
        self.bid_log.append(attempt)
        return attempt

    def user_tokens(self, username: str, scopes: tuple[str, ...] = USER_SCOPES) -> tuple[str, str]:
        """An (access, refresh) token pair without the consent dance, for tests and seed data."""
        return self.accounts.issue_user_tokens(username, None, scopes, self.now_ns())

    def set_watchlist(self, username: str, item_ids: list[str]) -> None:
        self.accounts.ensure_user(username)
        self.watchlists[username] = list(item_ids)
