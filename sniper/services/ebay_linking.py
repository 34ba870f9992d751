"""Linking an eBay account: consent URL, code exchange, status, and unlinking.

The authorization code, the tokens and the state are secrets in transit: none is logged, and
the tokens are only held long enough to ask eBay who the user is and to seal them (KMS).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec

from sniper.domain.errors import BusinessRuleViolation, Conflict
from sniper.domain.snipe import Snipe
from sniper.domain.user import User
from sniper.ebay.errors import InvalidGrant
from sniper.ebay.identity import IdentityApi
from sniper.ebay.oauth import USER_SCOPES, EbayOAuth
from sniper.scheduling import SnipeUnscheduler
from sniper.services.bidding_access import BiddingAccessProbe
from sniper.services.callers import Caller
from sniper.services.clock import ClockMs, now_ms
from sniper.services.ebay_tokens import EbayTokens
from sniper.services.oauth_state import IssuedState, OAuthStates
from sniper.services.profiles import Profiles
from sniper.services.snipe_cancellation import cancel_pending
from sniper.storage.snipes import SnipesRepository
from sniper.storage.users import UsersRepository

UNLINK_REASON = "the eBay account was unlinked"
_ATTEMPTS = 4


class AuthorizationCodeRefused(BusinessRuleViolation):
    code = "authorization_code_refused"


class Consent(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    state: IssuedState


class Unlinked(msgspec.Struct, frozen=True, kw_only=True):
    was_linked: bool
    cancelled: list[Snipe]


class EbayLinking:
    def __init__(
        self,
        *,
        users: UsersRepository,
        profiles: Profiles,
        tokens: EbayTokens,
        oauth: EbayOAuth,
        identity: IdentityApi,
        snipes: SnipesRepository,
        scheduler: SnipeUnscheduler,
        states: Callable[[], Awaitable[OAuthStates]],
        bidding_probe: BiddingAccessProbe | None = None,
        clock_ms: ClockMs = now_ms,
    ) -> None:
        self.users = users
        self.profiles = profiles
        self.tokens = tokens
        self.oauth = oauth
        self.identity = identity
        self.snipes = snipes
        self.scheduler = scheduler
        self.states = states
        self.bidding_probe = bidding_probe
        self.clock_ms = clock_ms

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
        for _ in range(_ATTEMPTS):
            user = await self.profiles.get_or_create(caller)
            try:
                linked = await self.tokens.link(
                    user, grant, username=ebay_user.username, ebay_user_id=ebay_user.user_id
                )
            except Conflict:
                continue
            return await self.check_bidding_access(linked, grant.access_token)
        raise Conflict("the profile kept changing; try again")

    async def check_bidding_access(self, user: User, access_token: str) -> User:
        """Ask eBay, read-only, whether this application may bid; keep the answer on the link.

        The link stands whatever the answer: a refusal is the application's (eBay's approval of
        the Buy Offer API), not the user's, and linking again would not change it.
        """
        if self.bidding_probe is None:
            return user
        check = await self.bidding_probe.check(access_token)
        for _ in range(_ATTEMPTS):
            if user.ebay_link is None:
                return user
            updated = msgspec.structs.replace(
                user,
                ebay_link=msgspec.structs.replace(user.ebay_link, bidding_check=check),
                version=user.version + 1,
                updated_ms=self.clock_ms(),
            )
            try:
                return await self.users.save(updated, expected_version=user.version)
            except Conflict:
                user = await self.users.require(user.user_id)
        raise Conflict("the profile kept changing; try again")

    async def status(self, user_id: str) -> User | None:
        return await self.users.get(user_id)

    async def unlink(self, user_id: str) -> Unlinked:
        """Forget the tokens; snipes that can no longer be placed are cancelled first."""
        cancelled = await cancel_pending(
            self.snipes, self.scheduler, user_id, reason=UNLINK_REASON, clock_ms=self.clock_ms
        )
        for _ in range(_ATTEMPTS):
            user = await self.users.get(user_id)
            if user is None or user.ebay_link is None:
                return Unlinked(was_linked=False, cancelled=cancelled)
            try:
                await self.tokens.unlink(user)
            except Conflict:
                continue
            return Unlinked(was_linked=True, cancelled=cancelled)
        raise Conflict("the profile kept changing; try again")
