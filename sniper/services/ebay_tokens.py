"""A user's eBay access token, fresh enough for when it is needed; the link's upkeep.

Tokens are decrypted only here, used, and dropped. A refresh that eBay refuses with
`invalid_grant` marks the link broken, so the user is asked to link again instead of every
later call failing the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgspec

from sniper.domain.errors import Conflict, EbayLinkBroken, EbayLinkRequired
from sniper.domain.user import EbayLink, User
from sniper.ebay.errors import InvalidGrant
from sniper.ebay.oauth import EbayOAuth, UserTokens
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault

# An access token this close to expiry is refreshed before use.
DEFAULT_MARGIN_MS = 5 * 60 * 1000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class EbayTokens:
    def __init__(
        self,
        users: UsersRepository,
        vault: TokenVault,
        oauth: EbayOAuth,
        *,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self.users = users
        self.vault = vault
        self.oauth = oauth
        self.clock_ms = clock_ms

    async def access_token(self, user_id: str, *, valid_until_ms: int | None = None) -> str:
        """An access token that stays valid until `valid_until_ms` (default: a few minutes)."""
        user = await self.users.require(user_id)
        link = _usable_link(user)
        needed_until = max(self.clock_ms() + DEFAULT_MARGIN_MS, valid_until_ms or 0)
        if link.access_expires_ms > needed_until:
            return await self.vault.open(user_id, link.access_token_ciphertext)
        return (await self.refresh(user)).access_token

    async def refresh(self, user: User) -> UserTokens:
        """Refresh the access token now and store it; `invalid_grant` breaks the link."""
        link = _usable_link(user)
        tokens = UserTokens(
            access_token="",
            access_expires_ms=0,
            refresh_token=await self.vault.open(user.user_id, link.refresh_token_ciphertext),
            refresh_expires_ms=link.refresh_expires_ms,
            scopes=link.scopes,
        )
        try:
            fresh = await self.oauth.refresh(tokens)
        except InvalidGrant:
            await self.mark_broken(user.user_id, "eBay refused the refresh token (invalid_grant)")
            raise EbayLinkBroken(
                "eBay no longer accepts this link; link your account again"
            ) from None
        sealed = await self.vault.seal(user.user_id, fresh.access_token)
        await self._update_link(
            user.user_id,
            lambda current: msgspec.structs.replace(
                current, access_token_ciphertext=sealed, access_expires_ms=fresh.access_expires_ms
            ),
        )
        return fresh

    async def link(
        self, user: User, tokens: UserTokens, *, username: str, ebay_user_id: str | None
    ) -> User:
        """Store a new grant (from the consent callback), replacing any earlier link."""
        link = EbayLink(
            username=username,
            ebay_user_id=ebay_user_id,
            scopes=tokens.scopes,
            access_token_ciphertext=await self.vault.seal(user.user_id, tokens.access_token),
            access_expires_ms=tokens.access_expires_ms,
            refresh_token_ciphertext=await self.vault.seal(user.user_id, tokens.refresh_token),
            refresh_expires_ms=tokens.refresh_expires_ms,
            linked_ms=self.clock_ms(),
        )
        return await self._save(user, link)

    async def unlink(self, user: User) -> User:
        return await self._save(user, None)

    async def mark_broken(self, user_id: str, reason: str) -> None:
        await self._update_link(
            user_id,
            lambda current: msgspec.structs.replace(current, broken=True, broken_reason=reason),
        )

    async def _update_link(self, user_id: str, change: Callable[[EbayLink], EbayLink]) -> None:
        # Read-modify-write under the version guard; a concurrent writer means read again.
        for _ in range(5):
            user = await self.users.require(user_id)
            if user.ebay_link is None:
                return
            try:
                await self._save(user, change(user.ebay_link))
                return
            except Conflict:
                continue
        raise Conflict("the eBay link kept changing; try again")

    async def _save(self, user: User, link: EbayLink | None) -> User:
        updated = msgspec.structs.replace(
            user, ebay_link=link, version=user.version + 1, updated_ms=self.clock_ms()
        )
        return await self.users.save(updated, expected_version=user.version)


def _usable_link(user: User) -> EbayLink:
    if user.ebay_link is None:
        raise EbayLinkRequired("link your eBay account first")
    if user.ebay_link.broken:
        raise EbayLinkBroken("eBay no longer accepts this link; link your account again")
    return user.ebay_link
