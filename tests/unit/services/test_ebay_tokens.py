"""A user's eBay access token, fresh when needed; a refused refresh breaks the link."""

from __future__ import annotations

import pytest

from sniper.domain.errors import EbayLinkBroken, EbayLinkRequired
from sniper.services.ebay_tokens import DEFAULT_MARGIN_MS, EbayTokens, drop_link
from sniper.vault import TokenUnreadable
from tests.fakes.clock import FakeClock
from tests.fakes.ebay import FakeEbay, FakeOAuth
from tests.fakes.stores import FakeStores
from tests.unit.conftest import LinkUser


async def test_a_fresh_token_is_opened_not_refreshed(
    tokens: EbayTokens, link_user: LinkUser, ebay: FakeEbay
) -> None:
    await link_user("user-1", "ada_ebay")
    token = await tokens.access_token("user-1")
    assert (await ebay.accounts.get_user(token)).username == "ada_ebay"
    assert not [call for call in ebay.oauth.calls if call[0] == "refresh"]


async def test_a_token_near_its_end_is_refreshed_and_stored(
    tokens: EbayTokens, link_user: LinkUser, ebay: FakeEbay, stores: FakeStores, clock: FakeClock
) -> None:
    linked = await link_user("user-1", "ada_ebay")
    assert linked.ebay_link is not None
    first = await tokens.access_token("user-1")
    clock.advance(ms=FakeOAuth.GRANT_MS - DEFAULT_MARGIN_MS)
    fresh = await tokens.access_token("user-1")
    assert fresh != first
    stored = (await stores.users.require("user-1")).ebay_link
    assert stored is not None
    assert stored.access_expires_ms == clock.now_ms + FakeOAuth.GRANT_MS
    assert stored.refresh_token_ciphertext == linked.ebay_link.refresh_token_ciphertext
    assert await tokens.access_token("user-1") == fresh  # stored: no second refresh


async def test_a_token_must_last_as_long_as_asked(
    tokens: EbayTokens, link_user: LinkUser, clock: FakeClock
) -> None:
    await link_user()
    first = await tokens.access_token("user-1")
    later = clock.now_ms + FakeOAuth.GRANT_MS + 1
    assert await tokens.access_token("user-1", valid_until_ms=later) != first


async def test_a_refused_refresh_breaks_the_link_once_and_for_all(
    tokens: EbayTokens, link_user: LinkUser, ebay: FakeEbay, stores: FakeStores
) -> None:
    await link_user("user-1", "ada_ebay")
    for refresh_token in list(ebay.oauth.refreshable):
        ebay.oauth.revoke(refresh_token)
    with pytest.raises(EbayLinkBroken):
        await tokens.refresh(await stores.users.require("user-1"))
    link = (await stores.users.require("user-1")).ebay_link
    assert link is not None and link.broken and "invalid_grant" in (link.broken_reason or "")
    calls = len(ebay.oauth.calls)
    with pytest.raises(EbayLinkBroken):
        await tokens.access_token("user-1")
    assert len(ebay.oauth.calls) == calls  # a broken link does not ask eBay again


async def test_no_link_no_token(
    tokens: EbayTokens, stores: FakeStores, link_user: LinkUser
) -> None:
    await link_user()
    assert await drop_link(stores.users, "user-1", clock=tokens.clock)
    with pytest.raises(EbayLinkRequired):
        await tokens.access_token("user-1")
    assert not await drop_link(stores.users, "user-1", clock=tokens.clock)
    assert not await drop_link(stores.users, "nobody", clock=tokens.clock)


async def test_tokens_are_sealed_for_their_user_only(
    tokens: EbayTokens, link_user: LinkUser, ebay: FakeEbay
) -> None:
    user = await link_user("user-1")
    assert user.ebay_link is not None
    ciphertext = user.ebay_link.access_token_ciphertext
    assert b"access-" not in ciphertext
    with pytest.raises(TokenUnreadable):
        await ebay.vault.open("user-2", ciphertext)
