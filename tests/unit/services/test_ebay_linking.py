"""Linking an eBay account: a state bound to the user and spent once, the code redeemed, the
grant sealed, bidding access checked read-only; unlinking cancels what could no longer bid."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from sniper.domain.snipe import SnipeStatus
from sniper.domain.user import BiddingAccess
from sniper.ebay.errors import EbayAppNotApproved
from sniper.services.bidding_access import BiddingAccessProbe
from sniper.services.callers import Caller
from sniper.services.ebay_linking import AuthorizationCodeRefused, EbayLinking
from sniper.services.oauth_state import InvalidState, OAuthStates, StateAlreadyUsed
from sniper.services.profiles import Profiles
from tests.factories import make_snipe
from tests.fakes.ebay import make_item, watched
from tests.fakes.world import World

ADA = Caller(user_id="user-1", email="ada@example.com", name="Ada")


@pytest.fixture
def linking(world: World) -> EbayLinking:
    async def states() -> OAuthStates:
        return OAuthStates(
            b"k" * 32, ttl_seconds=600, ledger=world.stores.spent_states, clock=world.clock
        )

    return EbayLinking(
        users=world.stores.users,
        profiles=Profiles(world.stores.users, clock=world.clock),
        tokens=world.tokens,
        oauth=world.ebay.oauth,
        identity=world.ebay.accounts,
        snipes=world.stores.snipes,
        scheduler=world.scheduler,
        states=states,
        bidding_probe=BiddingAccessProbe(
            watch_list=world.ebay.accounts, offer=world.ebay.offer, clock=world.clock
        ),
        clock=world.clock,
    )


async def _consent(linking: EbayLinking, world: World, username: str) -> tuple[str, str]:
    """The consent page's redirect: (code, state)."""
    consent = await linking.consent(ADA)
    state = parse_qs(urlsplit(consent.url).query)["state"][0]
    assert state == consent.state.value
    return world.ebay.oauth.authorize(username), state


async def test_the_consent_flow_links_the_account_who_granted_it(
    linking: EbayLinking, world: World
) -> None:
    world.ebay.accounts.watch_lists["ada_ebay"] = [watched(make_item(world.clock))]
    code, state = await _consent(linking, world, "ada_ebay")

    user = await linking.complete(ADA, code=code, state=state)

    assert user.ebay_link is not None and user.ebay_link.username == "ada_ebay"
    assert user.ebay_link.linked_ms == world.clock.now_ms
    check = user.ebay_link.bidding_check
    assert check is not None and check.access == BiddingAccess.GRANTED
    assert await world.stores.users.require("user-1") == user
    assert user.email == "ada@example.com"  # the profile came from the claims


async def test_a_state_is_spent_once_and_only_by_its_user(
    linking: EbayLinking, world: World
) -> None:
    code, state = await _consent(linking, world, "ada_ebay")
    with pytest.raises(InvalidState):
        await linking.complete(Caller(user_id="user-2"), code=code, state=state)
    await linking.complete(ADA, code=code, state=state)
    with pytest.raises(StateAlreadyUsed):
        await linking.complete(ADA, code=world.ebay.oauth.authorize("ada_ebay"), state=state)


async def test_a_refused_code_says_link_again(linking: EbayLinking, world: World) -> None:
    _, state = await _consent(linking, world, "ada_ebay")
    with pytest.raises(AuthorizationCodeRefused) as caught:
        await linking.complete(ADA, code="expired", state=state)
    assert caught.value.field == "code"


async def test_an_application_ebay_refuses_still_links_and_says_why(
    linking: EbayLinking, world: World
) -> None:
    world.ebay.accounts.watch_lists["ada_ebay"] = [watched(make_item(world.clock))]
    world.ebay.offer.fail_next(EbayAppNotApproved("not approved", error_id=1100, status=403))
    code, state = await _consent(linking, world, "ada_ebay")
    user = await linking.complete(ADA, code=code, state=state)
    assert user.ebay_link is not None and user.ebay_link.bidding_check is not None
    assert user.ebay_link.bidding_check.access == BiddingAccess.DENIED


async def test_unlinking_cancels_the_snipes_that_could_no_longer_bid(
    linking: EbayLinking, world: World
) -> None:
    code, state = await _consent(linking, world, "ada_ebay")
    await linking.complete(ADA, code=code, state=state)
    pending = await world.stores.snipes.create(make_snipe(user_id="user-1"))
    bidding = await world.stores.snipes.create(
        make_snipe(user_id="user-1", status=SnipeStatus.BIDDING)
    )

    unlinked = await linking.unlink("user-1")

    assert unlinked.was_linked and [s.bid_id for s in unlinked.cancelled] == [pending.bid_id]
    assert world.scheduler.removed == [pending.bid_id]
    assert (await world.stores.snipes.get("user-1", bidding.bid_id)).status == SnipeStatus.BIDDING
    status = await linking.status("user-1")
    assert status is not None and status.ebay_link is None
    again = await linking.unlink("user-1")
    assert not again.was_linked and again.cancelled == []
