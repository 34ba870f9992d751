"""Linking an eBay account: consent URL, code exchange, status, and unlinking.

The authorization code, the tokens and the state are secrets in transit: none is logged, and
the tokens are only held long enough to ask eBay who the user is and to seal them (KMS).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from sniper.clock import SYSTEM_CLOCK, Clock
from sniper.domain.errors import BusinessRuleViolation
from sniper.domain.snipe import Snipe
from sniper.domain.user import User
from sniper.ebay.errors import InvalidGrant
from sniper.ebay.oauth import USER_SCOPES
from sniper.services.bidding_access import BiddingAccessProbe
from sniper.services.callers import Caller
from sniper.services.ebay_tokens import EbayTokens, drop_link
from sniper.services.oauth_state import IssuedState, OAuthStates
from sniper.services.optimistic import optimistic_update
from sniper.services.ports.ebay import IdentityReader, UserAuthorization
from sniper.services.ports.stores import SnipeStore, UserStore
from sniper.services.profiles import Profiles, change_user
from sniper.services.snipe_cancellation import cancel_pending

if TYPE_CHECKING:
    from sniper.scheduling import SnipeUnscheduler

UNLINK_REASON = "the eBay account was unlinked"


class AuthorizationCodeRefused(BusinessRuleViolation):
    code = "authorization_code_refused"


class Consent(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    state: IssuedState


class Unlinked(msgspec.Struct, frozen=True, kw_only=True):
    was_linked: bool
    cancelled: list[Snipe]


@dataclass(frozen=True, kw_only=True)
class EbayLinking:
    users: UserStore
    profiles: Profiles
    tokens: EbayTokens
    oauth: UserAuthorization
    identity: IdentityReader
    snipes: SnipeStore
    scheduler: SnipeUnscheduler
    states: Callable[[], Awaitable[OAuthStates]]
    bidding_probe: BiddingAccessProbe
    clock: Clock = SYSTEM_CLOCK

    async def consent(self, caller: Caller) -> Consent:
        state = (await self.states()).issue(caller.user_id)
        return Consent(url=self.oauth.consent_url(state.value, scopes=USER_SCOPES), state=state)

    async def complete(self, caller: Caller, *, code: str, state: str) -> User:
        """The consent redirect came back: check the state, redeem the code, store the grant."""
        await (await self.states()).redeem(state, caller.user_id)  # single use
        try:
            grant = await self.oauth.exchange_code(code, scopes=USER_SCOPES)
        except InvalidGrant:
            raise AuthorizationCodeRefused(
                "eBay refused the authorization code (expired or already used); link again",
                field="code",
            ) from None
        ebay_user = await self.identity.get_user(grant.access_token)
        linked = await optimistic_update(
            lambda: self.profiles.get_or_create(caller),
            lambda user: self.tokens.link(
                user, grant, username=ebay_user.username, ebay_user_id=ebay_user.user_id
            ),
            what="the profile",
        )
        return await self.check_bidding_access(linked, grant.access_token)

    async def check_bidding_access(self, user: User, access_token: str) -> User:
        """Ask eBay, read-only, whether this application may bid; keep the answer on the link.

        The link stands whatever the answer: a refusal is the application's (eBay's approval of
        the Buy Offer API), not the user's, and linking again would not change it.
        """
        check = await self.bidding_probe.check(access_token)
        saved = await change_user(
            self.users,
            lambda: self.users.require(user.user_id),
            lambda current: (
                msgspec.structs.replace(
                    current,
                    ebay_link=msgspec.structs.replace(current.ebay_link, bidding_check=check),
                )
                if current.ebay_link
                else None
            ),
            clock=self.clock,
            current=user,
        )
        return saved or user

    async def status(self, user_id: str) -> User | None:
        return await self.users.get(user_id)

    async def unlink(self, user_id: str) -> Unlinked:
        """Forget the tokens; snipes that can no longer be placed are cancelled first."""
        cancelled = await cancel_pending(
            self.snipes, self.scheduler, user_id, reason=UNLINK_REASON, clock=self.clock
        )
        was_linked = await drop_link(self.users, user_id, clock=self.clock)
        return Unlinked(was_linked=was_linked, cancelled=cancelled)
