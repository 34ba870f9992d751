"""May this application bid? A read-only getBidding on an auction the user watches: GRANTED
when the Offer API itself answered, DENIED on eBay's 1100, UNKNOWN (with why) otherwise."""

from __future__ import annotations

import pytest

from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.user import BiddingAccess
from sniper.ebay.errors import EbayAppNotApproved, EbayUnavailable
from sniper.services.bidding_access import BiddingAccessProbe
from tests.fakes.ebay import make_item, watched
from tests.fakes.world import World

TOKEN = "access-ada"


@pytest.fixture
def probe(world: World) -> BiddingAccessProbe:
    world.ebay.accounts.sign_in(TOKEN, "ada_ebay")
    return BiddingAccessProbe(
        watch_list=world.ebay.accounts, offer=world.ebay.offer, clock=world.clock
    )


async def test_an_answer_from_the_offer_api_is_access(
    probe: BiddingAccessProbe, world: World
) -> None:
    fixed = make_item(world.clock, "110000000001", buying_options=("FIXED_PRICE",))
    auction = make_item(world.clock, "110000000002")
    world.ebay.accounts.watch_lists["ada_ebay"] = [watched(fixed), watched(auction)]

    check = await probe.check(TOKEN)

    assert (check.access, check.item_id, check.checked_ms) == (
        BiddingAccess.GRANTED,
        auction.item_id,
        world.clock.now_ms,
    )
    assert world.ebay.offer.calls == [("get_bidding", TOKEN, auction.item_id, "EBAY_US")]


async def test_ebays_1100_is_the_application_refused(
    probe: BiddingAccessProbe, world: World
) -> None:
    world.ebay.accounts.watch_lists["ada_ebay"] = [watched(make_item(world.clock))]
    world.ebay.offer.fail_next(EbayAppNotApproved("not approved", error_id=1100, status=403))
    assert (await probe.check(TOKEN)).access == BiddingAccess.DENIED


@pytest.mark.parametrize(
    ("arrange", "detail"),
    [
        ("no auction", "no auction to ask about"),
        ("watch list down", "could not be read"),
        ("offer down", "did not answer"),
    ],
)
async def test_unknown_says_why(
    probe: BiddingAccessProbe, arrange: str, detail: str, world: World
) -> None:
    if arrange != "no auction":
        world.ebay.accounts.watch_lists["ada_ebay"] = [watched(make_item(world.clock))]
    if arrange == "watch list down":
        world.ebay.accounts.fail_next(UpstreamUnavailable("Trading answered 503"))
    if arrange == "offer down":
        world.ebay.offer.fail_next(EbayUnavailable("getBidding answered 503", status=503))
    check = await probe.check(TOKEN)
    assert check.access == BiddingAccess.UNKNOWN and detail in (check.detail or "")
