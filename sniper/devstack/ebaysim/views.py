"""How an auction looks on the wire: Browse's Item and Offer's Bidding, per the contracts."""

from __future__ import annotations

from typing import Any

from sniper.devstack.ebaysim.accounts import Accounts
from sniper.devstack.ebaysim.clock import ebay_date
from sniper.devstack.ebaysim.engine import Auction
from sniper.domain.increments import bid_increment
from sniper.domain.money import Money

_SITE_HOSTS = {
    "EBAY_US": "www.ebay.com", "EBAY_GB": "www.ebay.co.uk", "EBAY_DE": "www.ebay.de",
    "EBAY_AU": "www.ebay.com.au", "EBAY_CA": "www.ebay.ca", "EBAY_FR": "www.ebay.fr",
    "EBAY_IT": "www.ebay.it", "EBAY_ES": "www.ebay.es", "EBAY_AT": "www.ebay.at",
    "EBAY_NL": "www.ebay.nl", "EBAY_IE": "www.ebay.ie", "EBAY_BE": "www.befr.ebay.be",
}  # fmt: skip


def amount(money: Money) -> dict[str, str]:
    return {"value": money.value, "currency": money.currency}


def view_item_url(auction: Auction) -> str:
    host = _SITE_HOSTS.get(auction.marketplace_id, "www.ebay.com")
    return f"https://{host}/itm/{auction.legacy_item_id}"


def buying_options(auction: Auction, now_ns: int) -> list[str]:
    if auction.fixed_price_only:
        return ["FIXED_PRICE"]
    if auction.buy_it_now_available(now_ns):
        return ["AUCTION", "FIXED_PRICE"]
    return ["AUCTION"]


def item(auction: Auction, accounts: Accounts, now_ns: int) -> dict[str, Any]:
    seller = accounts.ensure_user(auction.seller)
    options = buying_options(auction, now_ns)
    ended = auction.ended(now_ns)
    body: dict[str, Any] = {
        "itemId": auction.item_id,
        "legacyItemId": auction.legacy_item_id,
        "title": auction.title,
        "image": {"imageUrl": auction.image_url},
        "buyingOptions": options,
        "itemCreationDate": ebay_date(auction.created_ns),
        "itemEndDate": ebay_date(auction.ended_by_buy_it_now_ns or auction.end_ns),
        "seller": {
            "username": seller.username,
            "userId": seller.user_id,
            "feedbackScore": 1234,
            "feedbackPercentage": "99.8",
        },
        "itemWebUrl": view_item_url(auction),
        "adultOnly": auction.adult_only,
        "listingMarketplaceId": auction.marketplace_id,
        "condition": "Used",
        "conditionId": "3000",
        "categoryId": "1",
        "estimatedAvailabilities": [
            {"estimatedAvailabilityStatus": "OUT_OF_STOCK" if ended else "IN_STOCK"}
        ],
    }
    if auction.fixed_price_only:
        body["price"] = amount(auction.price)
        return body
    body["currentBidPrice"] = amount(auction.price)
    # With Buy It Now still on offer, eBay's `price` is the Buy It Now price.
    if "FIXED_PRICE" in options and auction.buy_it_now_price is not None:
        body["price"] = amount(auction.buy_it_now_price)
    else:
        body["price"] = amount(auction.price)
    body["bidCount"] = auction.bid_count
    body["uniqueBidderCount"] = len(auction.bids)
    if not ended:
        body["minimumPriceToBid"] = amount(auction.next_minimum())
    if auction.reserve_price is not None:
        body["reservePriceMet"] = auction.reserve_met
    return body


def bidding(auction: Auction, username: str, now_ns: int) -> dict[str, Any]:
    own = auction.bids[username]
    leader = auction.leader
    body: dict[str, Any] = {
        "itemId": auction.item_id,
        "auctionStatus": "ENDED" if auction.ended(now_ns) else "ACTIVE",
        "auctionEndDate": ebay_date(auction.ended_by_buy_it_now_ns or auction.end_ns),
        "bidCount": auction.bid_count,
        "currentPrice": amount(auction.price),
        "currentProxyBid": {"maxAmount": amount(own.max_amount), "proxyBidId": own.proxy_bid_id},
        "highBidder": leader is not None
        and leader.bidder == username
        and auction.buy_it_now_buyer is None,
    }
    if auction.reserve_price is not None:
        body["reservePriceMet"] = auction.reserve_met
    if not auction.ended(now_ns):
        suggestions = [auction.next_minimum()]

        for _ in range(2):
            last = suggestions[-1]
            suggestions.append(last + bid_increment(auction.marketplace_id, last))
        body["suggestedBidAmounts"] = [amount(s) for s in suggestions]
    return body


def engine_state(auction: Auction, now_ns: int) -> dict[str, Any]:
    """The full truth for tests: every maximum, the leader, the winner."""
    leader = auction.leader
    return {
        "itemId": auction.item_id,
        "legacyItemId": auction.legacy_item_id,
        "title": auction.title,
        "marketplaceId": auction.marketplace_id,
        "currency": auction.currency,
        "seller": auction.seller,
        "startPrice": auction.start_price.value,
        "reservePrice": auction.reserve_price.value if auction.reserve_price else None,
        "buyItNowPrice": auction.buy_it_now_price.value if auction.buy_it_now_price else None,
        "adultOnly": auction.adult_only,
        "itemEndDate": ebay_date(auction.end_ns),
        "endNs": auction.end_ns,
        "status": "ENDED" if auction.ended(now_ns) else "ACTIVE",
        "endedByBuyItNow": auction.ended_by_buy_it_now_ns is not None,
        "price": auction.price.value,
        "bidCount": auction.bid_count,
        "reservePriceMet": auction.reserve_met,
        "leader": leader.bidder if leader else None,
        "winner": auction.winner(now_ns),
        "maxima": [
            {
                "bidder": b.bidder,
                "maxAmount": b.max_amount.value,
                "seq": b.seq,
                "placedNs": b.placed_ns,
                "proxyBidId": b.proxy_bid_id,
            }
            for b in auction.ranking()
        ],
    }
