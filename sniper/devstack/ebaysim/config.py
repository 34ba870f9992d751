"""The simulator's settings."""

from __future__ import annotations

import msgspec


class SimConfig(msgspec.Struct, frozen=True, kw_only=True):
    client_id: str | None = None  # None: accept any non-empty client id
    client_secret: str | None = None  # None: accept any non-empty secret
    access_token_ttl_s: int = 7200
    refresh_token_ttl_s: int = 47_304_000  # 18 months, as eBay's
    auth_code_ttl_s: int = 299
    default_username: str = "sim_buyer"
    # Where the consent page sends the browser; None: the redirect_uri if it is a URL, else below.
    accept_url: str | None = None
    fallback_accept_url: str = "http://localhost:3000/ebay/callback"
    record_exchanges: bool = True
    # False plays an application eBay has not approved for the Buy Offer API (Limited Release):
    # getBidding and placeProxyBid answer 403 errorId 1100; OAuth, Identity, Browse and Trading
    # work as usual. The admin API changes it at run time, for all applications or for one.
    bidding_approved: bool = True
