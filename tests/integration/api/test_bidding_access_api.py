"""Linking checks, read-only, whether eBay lets this application bid; the status reports it.

eBay's Buy Offer API is Limited Release: an application eBay has not approved is refused with
403 errorId 1100. The link still succeeds (the user did nothing wrong), the status says
`denied` with what to do, and nothing tells the user to link again.
"""

from __future__ import annotations

import re

from sniper.domain.user import BiddingAccess
from sniper.storage.users import UsersRepository
from tests.integration.api.conftest import EBAY_OAUTH, ApiApps, Sim, link_ebay

# Advice to link the eBay account again, in any of the ways it could be put.
RELINK_ADVICE = re.compile(r"link (it |your (ebay )?account )?again|re-?link|reconnect", re.I)


async def _status(api: ApiApps, user_id: str) -> dict[str, object]:
    answer = await api.request(EBAY_OAUTH, "GET", "/ebay/auth/status", user=user_id)
    assert answer.status == 200
    return dict(answer.body)


async def test_an_approved_application_is_granted_bidding_access(
    api: ApiApps, sim: Sim, user_id: str
) -> None:
    auction = await sim.auction()
    await sim.watch("granted_buyer", [auction["itemId"]])
    linked = await link_ebay(api, sim, user_id, "granted_buyer")
    assert linked.body["biddingAccess"] == "granted"  # the callback's answer says so at once

    status = await _status(api, user_id)
    assert status["biddingAccess"] == "granted"
    assert "succeeded" in str(status["biddingAccessDetail"])
    assert str(status["biddingCheckedAt"]).endswith("Z")
    # Read-only: the check placed no bid.
    _, log = await sim.admin("GET", f"/sim/bids?itemId={auction['itemId']}")
    assert log["bids"] == []


async def test_an_unapproved_application_links_and_says_denied_without_relink_advice(
    api: ApiApps, sim: Sim, user_id: str, users_repo: UsersRepository
) -> None:
    code, approval = await sim.admin("PUT", "/sim/bidding-approval", {"approved": False})
    assert code == 200 and approval["approved"] is False
    auction = await sim.auction()
    await sim.watch("waiting_buyer", [auction["itemId"]])

    linked = await link_ebay(api, sim, user_id, "waiting_buyer")
    assert linked.body["linked"] is True and linked.body["broken"] is False

    status = await _status(api, user_id)
    assert status["linked"] is True and status["broken"] is False
    assert status["biddingAccess"] == "denied"
    detail = str(status["biddingAccessDetail"])
    assert "production access" in detail and "Buy Offer API" in detail and "sandbox" in detail
    assert not RELINK_ADVICE.search(detail), detail
    stored = await users_repo.require(user_id)
    assert stored.ebay_link is not None and stored.ebay_link.bidding_check is not None
    assert stored.ebay_link.bidding_check.access == BiddingAccess.DENIED
    assert stored.ebay_link.bidding_check.item_id == auction["itemId"]
    _, log = await sim.admin("GET", f"/sim/bids?itemId={auction['itemId']}")
    assert log["bids"] == []  # getBidding is a read: nothing reaches the bid log


async def test_with_no_auction_to_ask_about_the_access_is_unknown(
    api: ApiApps, sim: Sim, user_id: str
) -> None:
    await link_ebay(api, sim, user_id, "new_buyer")  # an empty watch list
    status = await _status(api, user_id)
    assert status["biddingAccess"] == "unknown"
    assert "watch list has no auction" in str(status["biddingAccessDetail"])


async def test_not_linked_says_nothing_about_bidding(api: ApiApps, user_id: str) -> None:
    status = await _status(api, user_id)
    assert status["linked"] is False
    assert "biddingAccess" not in status or status["biddingAccess"] is None
