"""A user's eBay access token, fresh when needed; a refused refresh breaks the link."""

from __future__ import annotations

import pytest

from sniper.domain.errors import EbayLinkBroken, EbayLinkRequired
from sniper.services.ebay_tokens import DEFAULT_MARGIN_MS, drop_link
from sniper.vault import TokenUnreadable
from tests.fakes.ebay import FakeOAuth
from tests.fakes.world import World


async def test_a_fresh_token_is_opened_not_refreshed(world: World) -> None:
    await world.link_user("user-1", "ada_ebay")
    token = await world.tokens.access_token("user-1")
    assert (await world.ebay.accounts.get_user(token)).username == "ada_ebay"
    assert not [call for call in world.ebay.oauth.calls if call[0] == "refresh"]


async def test_a_token_near_its_end_is_refreshed_and_stored(world: World) -> None:
    linked = await world.link_user("user-1", "ada_ebay")
    assert linked.ebay_link is not None
    first = await world.tokens.access_token("user-1")
    world.clock.advance(ms=FakeOAuth.GRANT_MS - DEFAULT_MARGIN_MS)
    fresh = await world.tokens.access_token("user-1")
    assert fresh != first
    stored = (await world.stores.users.require("user-1")).ebay_link
    assert stored is not None
    assert stored.access_expires_ms == world.clock.now_ms + FakeOAuth.GRANT_MS
    assert stored.refresh_token_ciphertext == linked.ebay_link.refresh_token_ciphertext
    assert await world.tokens.access_token("user-1") == fresh  # stored: no second refresh


async def test_a_token_must_last_as_long_as_asked(world: World) -> None:
    await world.link_user()
    first = await world.tokens.access_token("user-1")
    later = world.clock.now_ms + FakeOAuth.GRANT_MS + 1
    assert await world.tokens.access_token("user-1", valid_until_ms=later) != first


async def test_a_refused_refresh_breaks_the_link_once_and_for_all(world: World) -> None:
    await world.link_user("user-1", "ada_ebay")
    for refresh_token in list(world.ebay.oauth.refreshable):
        world.ebay.oauth.revoke(refresh_token)
    with pytest.raises(EbayLinkBroken):
        await world.tokens.refresh(await world.stores.users.require("user-1"))
    link = (await world.stores.users.require("user-1")).ebay_link
    assert link is not None and link.broken and "invalid_grant" in (link.broken_reason or "")
    calls = len(world.ebay.oauth.calls)
    with pytest.raises(EbayLinkBroken):
        await world.tokens.access_token("user-1")
    assert len(world.ebay.oauth.calls) == calls  # a broken link does not ask eBay again


async def test_no_link_no_token(world: World) -> None:
    await world.link_user()
    assert await drop_link(world.stores.users, "user-1", clock=world.tokens.clock)
    with pytest.raises(EbayLinkRequired):
        await world.tokens.access_token("user-1")
    assert not await drop_link(world.stores.users, "user-1", clock=world.tokens.clock)
    assert not await drop_link(world.stores.users, "nobody", clock=world.tokens.clock)


async def test_tokens_are_sealed_for_their_user_only(world: World) -> None:
    user = await world.link_user("user-1")
    assert user.ebay_link is not None
    ciphertext = user.ebay_link.access_token_ciphertext
    assert b"access-" not in ciphertext
    with pytest.raises(TokenUnreadable):
        await world.ebay.vault.open("user-2", ciphertext)
