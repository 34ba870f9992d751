"""eBay, as the services use it: one Protocol per read (sniper/ebay implements each), and the
vault that keeps a user's eBay tokens sealed.

The values they carry (Item, WatchedItem, Bidding, EbayUser, UserTokens) are the eBay client's;
they are named here for the type checker only, so a service that depends on these ports loads
no eBay client. The errors they raise are sniper.ebay.errors' (ItemNotFound, Unauthorized,
InvalidGrant, EbayAppNotApproved, OfferRejected).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sniper.ebay.browse import Item
    from sniper.ebay.identity import EbayUser
    from sniper.ebay.oauth import UserTokens
    from sniper.ebay.offer import Bidding
    from sniper.ebay.trading import WatchedItem


class ItemReader(Protocol):
    """Browse getItem."""

    async def get_item(self, item_id: str, *, marketplace_id: str | None = None) -> Item: ...


class WatchListReader(Protocol):
    """Trading GetMyeBayBuying: the user's whole watch list."""

    async def watch_list(
        self, access_token: str, marketplace_id: str, *, entries_per_page: int = 100
    ) -> list[WatchedItem]: ...


class BiddingReader(Protocol):
    """Buy Offer getBidding: the user's bidding on one auction (read-only)."""

    async def get_bidding(
        self, access_token: str, item_id: str, marketplace_id: str
    ) -> Bidding: ...


class IdentityReader(Protocol):
    """Commerce Identity getUser: who granted the tokens."""

    async def get_user(self, access_token: str) -> EbayUser: ...


class UserAuthorization(Protocol):
    """eBay's OAuth for a user's grant: consent, code exchange, refresh."""

    def consent_url(self, state: str, *, scopes: Iterable[str]) -> str: ...

    async def exchange_code(self, code: str, *, scopes: Iterable[str]) -> UserTokens:
        """InvalidGrant when eBay refuses the code (expired, used)."""
        ...

    async def refresh(self, tokens: UserTokens) -> UserTokens:
        """InvalidGrant when eBay refuses the refresh token (revoked, expired)."""
        ...


class Vault(Protocol):
    """Tokens sealed for one user: a ciphertext opens only for the user it was sealed for."""

    async def seal(self, user_id: str, token: str) -> bytes: ...

    async def open(self, user_id: str, ciphertext: bytes) -> str: ...
