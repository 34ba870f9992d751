"""The unit suite's world: in-memory stores, eBay and the other outside systems (tests/fakes),
on a clock that moves only when a test moves it. Nothing here opens a socket or waits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from sniper.domain.user import User
from sniper.ebay.oauth import USER_SCOPES
from sniper.services.ebay_tokens import EbayTokens
from tests.factories import make_user
from tests.fakes.clock import FakeClock
from tests.fakes.ebay import FakeEbay
from tests.fakes.outside import FakeDispatch, FakeMailer, FakeScheduler
from tests.fakes.stores import FakeStores

LinkUser = Callable[..., Awaitable[User]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def stores() -> FakeStores:
    return FakeStores()


@pytest.fixture
def ebay(clock: FakeClock) -> FakeEbay:
    return FakeEbay(clock)


@pytest.fixture
def scheduler() -> FakeScheduler:
    return FakeScheduler()


@pytest.fixture
def dispatch() -> FakeDispatch:
    return FakeDispatch()


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def tokens(stores: FakeStores, ebay: FakeEbay, clock: FakeClock) -> EbayTokens:
    return EbayTokens(stores.users, ebay.vault, ebay.oauth, clock=clock)


@pytest.fixture
def link_user(stores: FakeStores, ebay: FakeEbay, tokens: EbayTokens) -> LinkUser:
    """A user signed up here who linked eBay account `username` (consent and code exchange)."""

    async def link(user_id: str = "user-1", username: str = "ada_ebay", **fields: object) -> User:
        user = await stores.users.get(user_id) or await stores.users.create(
            make_user(user_id=user_id, **fields)
        )
        grant = await ebay.oauth.exchange_code(ebay.oauth.authorize(username), scopes=USER_SCOPES)
        return await tokens.link(user, grant, username=username, ebay_user_id=f"id-{username}")

    return link
