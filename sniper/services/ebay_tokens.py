"""A user's eBay access token, fresh enough for when it is needed; the link's upkeep.

Tokens are decrypted only here, used, and dropped. A refresh that eBay refuses with
`invalid_grant` marks the link broken, so the user is asked to link again instead of every
later call failing the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass

import msgspec

from sniper.clock import SYSTEM_CLOCK, Clock, now_ms
from sniper.domain.errors import EbayLinkBroken, EbayLinkRequired, NotFound
from sniper.domain.user import EbayLink, User
from sniper.ebay.errors import InvalidGrant
from sniper.ebay.oauth import UserTokens
from sniper.services.ports.ebay import UserAuthorization, Vault
from sniper.services.ports.stores import UserStore
from sniper.services.profiles import change_user

# An access token this close to expiry is refreshed before use.
DEFAULT_MARGIN_MS = 5 * 60 * 1000


@dataclass(frozen=True)
class EbayTokens:
    users: UserStore
    vault: Vault
    oauth: UserAuthorization
    _: KW_ONLY
    clock: Clock = SYSTEM_CLOCK

    async def access_token(self, user_id: str, *, valid_until_ms: int | None = None) -> str:
        """An access token that stays valid until `valid_until_ms` (default: a few minutes)."""
        user = await self.users.require(user_id)
        link = _usable_link(user)
        needed_until = max(now_ms(self.clock) + DEFAULT_MARGIN_MS, valid_until_ms or 0)
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
        await self._change_link(
            user.user_id,
            lambda current: msgspec.structs.replace(
                current, access_token_ciphertext=sealed, access_expires_ms=fresh.access_expires_ms
            ),
        )
        return fresh

    async def link(
        self, user: User, tokens: UserTokens, *, username: str, ebay_user_id: str | None
    ) -> User:
        """Store a new grant (from the consent callback) on `user` as read, replacing any earlier
        link; StaleWrite if the user changed since it was read."""
        link = EbayLink(
            username=username,
            ebay_user_id=ebay_user_id,
            scopes=tokens.scopes,
            access_token_ciphertext=await self.vault.seal(user.user_id, tokens.access_token),
            access_expires_ms=tokens.access_expires_ms,
            refresh_token_ciphertext=await self.vault.seal(user.user_id, tokens.refresh_token),
            refresh_expires_ms=tokens.refresh_expires_ms,
            linked_ms=now_ms(self.clock),
        )
        updated = msgspec.structs.replace(
            user, ebay_link=link, version=user.version + 1, updated_ms=now_ms(self.clock)
        )
        return await self.users.save(updated, expected_version=user.version)

    async def mark_broken(self, user_id: str, reason: str) -> None:
        await self._change_link(
            user_id,
            lambda current: msgspec.structs.replace(current, broken=True, broken_reason=reason),
        )

    async def _change_link(self, user_id: str, change: Callable[[EbayLink], EbayLink]) -> None:
        await change_user(
            self.users,
            lambda: self.users.require(user_id),
            lambda user: (
                msgspec.structs.replace(user, ebay_link=change(user.ebay_link))
                if user.ebay_link
                else None
            ),
            clock=self.clock,
        )


async def drop_link(users: UserStore, user_id: str, *, clock: Clock) -> bool:
    """Forget the user's eBay link (its sealed tokens with it); whether there was one."""
    try:
        dropped = await change_user(
            users,
            lambda: users.require(user_id),
            lambda user: msgspec.structs.replace(user, ebay_link=None) if user.ebay_link else None,
            clock=clock,
        )
    except NotFound:
        return False
    return dropped is not None


def _usable_link(user: User) -> EbayLink:
    if user.ebay_link is None:
        raise EbayLinkRequired("link your eBay account first")
    if user.ebay_link.broken:
        raise EbayLinkBroken("eBay no longer accepts this link; link your account again")
    return user.ebay_link
