"""May this application bid? A read-only getBidding on an auction the user watches: GRANTED
when the Offer API itself answered, DENIED on eBay's 1100, UNKNOWN (with why) otherwise."""

from __future__ import annotations

import pytest

from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.user import BiddingAccess
from sniper.ebay.errors import EbayAppNotApproved, EbayUnavailable
from sniper.services.bidding_access import BiddingAccessProbe
from tests.fakes.clock import FakeClock
from tests.fakes.ebay import FakeEbay, make_item, watched

TOKEN = "access-ada"


@pytest.fixture
def probe(ebay: FakeEbay, clock: FakeClock) -> BiddingAccessProbe:
    ebay.accounts.sign_in(TOKEN, "ada_ebay")
    return BiddingAccessProbe(watch_list=ebay.accounts, offer=ebay.offer, clock=clock)


async def test_an_answer_from_the_offer_api_is_access(
    probe: BiddingAccessProbe, ebay: FakeEbay, clock: FakeClock
) -> None:
    fixed = make_item(clock, "110000000001", buying_options=("FIXED_PRICE",))
    auction = make_item(clock, "110000000002")
    ebay.accounts.watch_lists["ada_ebay"] = [watched(fixed), watched(auction)]

    check = await probe.check(TOKEN)

    assert (check.access, check.item_id, check.checked_ms) == (
        BiddingAccess.GRANTED,
        auction.item_id,
        clock.now_ms,
    )
    assert ebay.offer.calls == [("get_bidding", TOKEN, auction.item_id, "EBAY_US")]


async def test_ebays_1100_is_the_application_refused(
    probe: BiddingAccessProbe, ebay: FakeEbay, clock: FakeClock
) -> None:
    ebay.accounts.watch_lists["ada_ebay"] = [watched(make_item(clock))]
    ebay.offer.fail_next(EbayAppNotApproved("not approved", error_id=1100, status=403))
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
    probe: BiddingAccessProbe, ebay: FakeEbay, clock: FakeClock, arrange: str, detail: str
) -> None:
    if arrange != "no auction":
        ebay.accounts.watch_lists["ada_ebay"] = [watched(make_item(clock))]
    if arrange == "watch list down":
        ebay.accounts.fail_next(UpstreamUnavailable("Trading answered 503"))
    if arrange == "offer down":
        ebay.offer.fail_next(EbayUnavailable("getBidding answered 503", status=503))
    check = await probe.check(TOKEN)
    assert check.access == BiddingAccess.UNKNOWN and detail in (check.detail or "")
