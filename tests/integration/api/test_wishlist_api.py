"""/wishlist/*: the eBay watch list through Trading, ordered and paged, with the caller's snipes."""

from __future__ import annotations

from tests.integration.api.conftest import (
    WISHLIST,
    ApiApps,
    Sim,
    link_ebay,
    snipe_via_api,
    watched_item,
)


async def test_watch_list_is_ordered_paged_and_marks_snipes(
    api: ApiApps, sim: Sim, user_id: str, other_user_id: str
) -> None:
    await link_ebay(api, sim, user_id, "watcher")
    fixed = await sim.auction(title="Fixed", listingFormat="FIXED_PRICE", endsInSeconds=600)
    late = await sim.auction(title="Late", endsInSeconds=7200)
    soon = await sim.auction(title="Soon", endsInSeconds=3600)
    assert (await sim.rival(soon["itemId"], "rival", "15.00"))[0] == 200
    await sim.watch("watcher", [fixed["legacyItemId"], late["legacyItemId"], soon["legacyItemId"]])
    sniped = await snipe_via_api(api, user_id, late["itemId"], max_bid="50.00")

    first = await api.request(
        WISHLIST, "GET", "/wishlist/items", user=user_id, query={"limit": "2"}
    )
    assert first.status == 200, first.body
    assert first.body["total"] == 3
    assert [i["title"] for i in first.body["items"]] == ["Soon", "Late"]
    soon_view, late_view = first.body["items"]
    assert soon_view["isAuction"] is True and soon_view["bidCount"] == 1
    assert soon_view["currentPrice"] == {"value": "10.00", "currency": "USD"}
    assert soon_view["snipe"] is None
    assert late_view["snipe"]["bidId"] == sniped.body["bidId"]
    assert late_view["snipe"]["status"] == "SCHEDULED"

    rest = await api.request(
        WISHLIST,
        "GET",
        "/wishlist/items",
        user=user_id,
        query={"limit": "2", "cursor": first.body["nextCursor"]},
    )
    assert [i["title"] for i in rest.body["items"]] == ["Fixed"]
    assert rest.body["items"][0]["isAuction"] is False and rest.body["nextCursor"] is None

    await link_ebay(api, sim, other_user_id, "someone_else")
    mine = {"cursor": first.body["nextCursor"]}
    theirs = await api.request(WISHLIST, "GET", "/wishlist/items", user=other_user_id, query=mine)
    assert theirs.status == 404 and theirs.error()["field"] == "cursor"


async def test_watch_list_needs_a_linked_account(api: ApiApps, user_id: str) -> None:
    answer = await api.request(WISHLIST, "GET", "/wishlist/items", user=user_id)
    assert answer.status == 422 and answer.error()["code"] == "ebay_link_required"
    bad_site = await api.request(
        WISHLIST, "GET", "/wishlist/items", user=user_id, query={"marketplaceId": "EBAY_XX"}
    )
    assert bad_site.status == 400 and bad_site.error()["field"] == "marketplaceId"


async def test_one_item_in_either_id_form(api: ApiApps, sim: Sim, user_id: str) -> None:
    auction = await sim.auction(title="Rolleiflex", startPrice="40.00")
    assert (await sim.rival(auction["itemId"], "rival", "60.00"))[0] == 200
    for item_id in (auction["legacyItemId"], auction["itemId"]):
        answer = await watched_item(api, user_id, item_id)
        assert answer.status == 200, answer.body
        body = answer.body
        assert body["itemId"] == auction["itemId"] and body["title"] == "Rolleiflex"
        assert body["isAuction"] is True and body["ended"] is False
        assert body["currentBidPrice"]["value"] == "40.00"
        assert body["nextMinimumBid"] == {"value": "41.00", "currency": "USD"}
        assert body["snipe"] is None
    missing = await watched_item(api, user_id, "999999999999")
    assert missing.status == 404
    malformed = await watched_item(api, user_id, "camera")
    assert malformed.status == 400 and malformed.error()["field"] == "itemId"
