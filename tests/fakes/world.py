"""Everything outside the services, in memory, on one clock that moves only when told: what a
unit test of a service runs in. `clock`: another clock to run on (the executor's tests give it
tests/fakes/virtual_time.py's VirtualClock)."""

from __future__ import annotations

from sniper.domain.user import User
from sniper.ebay.oauth import USER_SCOPES
from sniper.services.ebay_tokens import EbayTokens
from tests.factories import make_user
from tests.fakes.clock import FakeClock, TestClock
from tests.fakes.ebay import FakeEbay
from tests.fakes.outside import FakeDispatch, FakeMailer, FakeScheduler
from tests.fakes.stores import FakeStores


class World:
    def __init__(self, clock: TestClock | None = None) -> None:
        self.clock = clock if clock is not None else FakeClock()
        self.stores = FakeStores()
        self.ebay = FakeEbay(self.clock)
        self.scheduler = FakeScheduler()
        self.dispatch = FakeDispatch()
        self.mailer = FakeMailer()
        self.tokens = EbayTokens(
            self.stores.users, self.ebay.vault, self.ebay.oauth, clock=self.clock
        )

    async def link_user(self, user_id: str = "user-1", username: str = "ada_ebay") -> User:
        """A user signed up here who linked eBay account `username` (consent, code exchange)."""
        users = self.stores.users
        user = await users.get(user_id) or await users.create(make_user(user_id=user_id))
        code = self.ebay.oauth.authorize(username)
        grant = await self.ebay.oauth.exchange_code(code, scopes=USER_SCOPES)
        return await self.tokens.link(user, grant, username=username, ebay_user_id=f"id-{username}")
