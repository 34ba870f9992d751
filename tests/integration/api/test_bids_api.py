"""/bids: creating a snipe against the simulator, listing, changing, cancelling, and isolation."""

from __future__ import annotations

import msgspec
import pytest

from sniper.devstack.local.aws import LocalAws
from sniper.domain.snipe import SnipeStatus
from sniper.storage.history import HistoryRepository
from sniper.storage.snipes import SnipesRepository
from tests.factories import make_history, make_snipe
from tests.integration.api.conftest import (
    BIDS,
    HISTORY,
    ApiApps,
    Sim,
    bid_body,
    on_bid,
    schedules,
)


async def test_create_checks_the_item_stores_and_schedules(
    api: ApiApps, sim: Sim, linked: str, local_aws: LocalAws, snipes_repo: SnipesRepository
) -> None:
    auction = await sim.auction(title="Leica M6", startPrice="10.00")
    answer = await api.request(
        BIDS,
        "POST",
        "/bids",
        user=linked,
        body=bid_body(
            auction["legacyItemId"], offsetSeconds=4.5, group={"groupId": "cameras", "maxWins": 1}
        ),
    )
    assert answer.status == 201, answer.body
    body = answer.body
    assert body["itemId"] == auction["itemId"] and body["legacyItemId"] == auction["legacyItemId"]
    assert body["status"] == "SCHEDULED" and body["title"] == "Leica M6"
    assert body["maxBid"] == {"value": "30.00", "currency": "USD"}
    assert body["offsetSeconds"] == 4.5 and body["group"] == {"groupId": "cameras", "maxWins": 1}
    assert answer.headers["Location"] == f"/bids/{body['bidId']}"
    for hidden in ("leaseOwner", "version", "scheduleName", "userId"):
        assert hidden not in body
    stored = await snipes_repo.get(linked, body["bidId"])
    assert stored.schedule_name and stored.auction_end_ms // 1000 == auction["endNs"] // 10**9
    assert sorted(s["Name"] for s in schedules(local_aws)) == sorted(
        [stored.schedule_name, f"standby-{stored.bid_id}"]
    )


async def test_default_offset_comes_from_preferences(api: ApiApps, sim: Sim, linked: str) -> None:
    prefs = await api.request(
        "UserManagementFunction",
        "PUT",
        "/users/preferences",
        user=linked,
        body={"defaultOffsetSeconds": 7},
    )
    assert prefs.status == 200
    auction = await sim.auction()
    answer = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"]))
    assert answer.body["offsetSeconds"] == 7.0


async def test_rules_refuse_with_422(api: ApiApps, sim: Sim, linked: str) -> None:
    fixed = await sim.auction(listingFormat="FIXED_PRICE")
    answer = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(fixed["itemId"]))
    assert answer.status == 422 and answer.error()["code"] == "not_an_auction"

    ending = await sim.auction(endsInSeconds=0.05)
    import asyncio

    await asyncio.sleep(0.1)  # real time is the point: the auction must have closed
    answer = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(ending["itemId"]))
    assert answer.status == 422 and answer.error()["code"] == "auction_ended"

    contested = await sim.auction(startPrice="10.00")
    status, _ = await sim.rival(contested["itemId"], "rival_one", "20.00")
    assert status == 200  # price 10.00 with a bid: the next minimum is 10.50
    low = await api.request(
        BIDS, "POST", "/bids", user=linked, body=bid_body(contested["itemId"], value="10.25")
    )
    assert low.status == 422
    assert low.error()["code"] == "max_bid_below_minimum" and low.error()["field"] == "maxBid.value"
    assert "10.50" in low.error()["message"]
    exact = await api.request(
        BIDS, "POST", "/bids", user=linked, body=bid_body(contested["itemId"], value="10.50")
    )
    assert exact.status == 201

    soon = await sim.auction(endsInSeconds=3)
    answer = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(soon["itemId"]))
    assert answer.status == 422 and answer.error()["code"] == "too_late"

    missing = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body("999999999999"))
    assert missing.status == 422 and missing.error()["code"] == "ebay_item_not_found"


async def test_bad_requests_are_400_naming_the_field(api: ApiApps, sim: Sim, linked: str) -> None:
    auction = await sim.auction()
    item = auction["itemId"]
    cases = [
        (bid_body(item, value="30.001"), "maxBid.value", "invalid_money"),
        (bid_body(item, currency="GBP"), "maxBid.currency", "currency_mismatch"),
        (bid_body(item, currency="XYZ"), "maxBid.currency", "invalid_money"),
        (bid_body(item, offsetSeconds=0.1), "offsetSeconds", "invalid_input"),
        (bid_body(item, offsetSeconds=61), "offsetSeconds", "invalid_input"),
        (bid_body(item, colour="red"), "colour", "invalid_input"),
        (
            {"itemId": item, "maxBid": {"value": 30, "currency": "USD"}},
            "maxBid.value",
            "invalid_input",
        ),
        ({"itemId": item}, "maxBid", "invalid_input"),
        (bid_body("not-an-item"), "itemId", "invalid_input"),
    ]
    for body, field, code in cases:
        answer = await api.request(BIDS, "POST", "/bids", user=linked, body=body)
        assert answer.status == 400, (body, answer.body)
        assert (answer.error()["field"], answer.error()["code"]) == (field, code), body
    malformed = await api.request(BIDS, "POST", "/bids", user=linked, raw_body="{not json")
    assert malformed.status == 400 and malformed.error()["field"] == "body"


async def test_needs_a_linked_unbroken_account(api: ApiApps, sim: Sim, user_id: str) -> None:
    auction = await sim.auction()
    answer = await api.request(
        BIDS, "POST", "/bids", user=user_id, body=bid_body(auction["itemId"])
    )
    assert answer.status == 422 and answer.error()["code"] == "ebay_link_required"


async def test_one_live_snipe_per_item(api: ApiApps, sim: Sim, linked: str) -> None:
    auction = await sim.auction()
    first = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"]))
    assert first.status == 201
    second = await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"]))
    assert second.status == 409 and second.error()["code"] == "already_sniped"


async def test_list_filters_orders_and_pages(
    api: ApiApps, sim: Sim, linked: str, snipes_repo: SnipesRepository
) -> None:
    late = await sim.auction(endsInSeconds=7200)
    early = await sim.auction(endsInSeconds=3600)
    for auction in (late, early):
        created = await api.request(
            BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"])
        )
        assert created.status == 201
    await snipes_repo.create(make_snipe(user_id=linked, status=SnipeStatus.WON))

    everything = await api.request(BIDS, "GET", "/bids", user=linked)
    assert everything.status == 200 and len(everything.body["items"]) == 3
    scheduled = await api.request(BIDS, "GET", "/bids", user=linked, query={"status": "SCHEDULED"})
    assert [b["itemId"] for b in scheduled.body["items"]] == [early["itemId"], late["itemId"]]

    first = await api.request(
        BIDS, "GET", "/bids", user=linked, query={"status": "scheduled", "limit": "1"}
    )
    assert [b["itemId"] for b in first.body["items"]] == [early["itemId"]]
    cursor = first.body["nextCursor"]
    assert cursor
    second = await api.request(
        BIDS,
        "GET",
        "/bids",
        user=linked,
        query={"status": "SCHEDULED", "limit": "1", "cursor": cursor},
    )
    assert [b["itemId"] for b in second.body["items"]] == [late["itemId"]]

    bad = await api.request(BIDS, "GET", "/bids", user=linked, query={"status": "DONE"})
    assert bad.status == 400 and bad.error()["field"] == "status"
    bad = await api.request(BIDS, "GET", "/bids", user=linked, query={"limit": "0"})
    assert bad.status == 400 and bad.error()["field"] == "limit"
    bad = await api.request(BIDS, "GET", "/bids", user=linked, query={"sort": "price"})
    assert bad.status == 400 and bad.error()["field"] == "sort"


async def test_change_while_scheduled_then_409_once_armed(
    api: ApiApps, sim: Sim, linked: str, snipes_repo: SnipesRepository
) -> None:
    auction = await sim.auction()
    created = await api.request(
        BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"])
    )
    bid_id = created.body["bidId"]
    changed = await on_bid(
        api,
        "PUT",
        linked,
        bid_id,
        {"maxBid": {"value": "45.00", "currency": "USD"}, "offsetSeconds": 2},
    )
    assert changed.status == 200, changed.body
    assert changed.body["maxBid"]["value"] == "45.00" and changed.body["offsetSeconds"] == 2.0
    fetched = await on_bid(api, "GET", linked, bid_id)
    assert fetched.body == changed.body

    empty = await on_bid(api, "PUT", linked, bid_id, {})
    assert empty.status == 400

    # The executor claims it.
    snipe = await snipes_repo.get(linked, bid_id)
    await snipes_repo.save(
        snipe.moved_to(SnipeStatus.ARMED, now_ms=snipe.updated_ms + 1),
        expected_version=snipe.version,
    )
    refused = await on_bid(api, "PUT", linked, bid_id, {"offsetSeconds": 3})
    assert refused.status == 409 and refused.error()["code"] == "illegal_transition"


async def test_cancel_unschedules_and_is_idempotent(
    api: ApiApps, sim: Sim, linked: str, local_aws: LocalAws, snipes_repo: SnipesRepository
) -> None:
    auction = await sim.auction()
    created = await api.request(
        BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"])
    )
    bid_id = created.body["bidId"]
    assert len(schedules(local_aws)) == 2  # primary and standby
    for _ in range(2):
        cancelled = await on_bid(api, "DELETE", linked, bid_id)
        assert cancelled.status == 200 and cancelled.body["status"] == "CANCELLED"
    assert schedules(local_aws) == []
    won = await snipes_repo.create(make_snipe(user_id=linked, status=SnipeStatus.WON))
    refused = await on_bid(api, "DELETE", linked, won.bid_id)
    assert refused.status == 409


async def test_another_user_sees_nothing_of_mine(
    api: ApiApps,
    sim: Sim,
    linked: str,
    other_user_id: str,
    history_repo: HistoryRepository,
    snipes_repo: SnipesRepository,
) -> None:
    for _ in range(2):
        auction = await sim.auction()
        await api.request(BIDS, "POST", "/bids", user=linked, body=bid_body(auction["itemId"]))
    mine = await api.request(BIDS, "GET", "/bids", user=linked, query={"limit": "1"})
    bid_id = mine.body["items"][0]["bidId"]
    entry = await history_repo.record(make_history(make_snipe(user_id=linked)))
    await history_repo.record(make_history(make_snipe(user_id=linked)))

    for method, body in (("GET", None), ("PUT", {"offsetSeconds": 3}), ("DELETE", None)):
        answer = await on_bid(api, method, other_user_id, bid_id, body)
        assert answer.status == 404, method
        assert answer.error()["code"] == "not_found"
    assert (await snipes_repo.get(linked, bid_id)).status == SnipeStatus.SCHEDULED

    theirs = await api.request(
        BIDS, "GET", "/bids", user=other_user_id, query={"cursor": mine.body["nextCursor"]}
    )
    assert theirs.status == 404 and theirs.error()["field"] == "cursor"
    history = await api.request(
        HISTORY,
        "GET",
        "/bid-history/{bidId}",
        user=other_user_id,
        path_parameters={"bidId": entry.bid_id},
    )
    assert history.status == 404
    my_history = await api.request(
        HISTORY, "GET", "/bid-history", user=linked, query={"limit": "1"}
    )
    assert my_history.body["nextCursor"]
    mine = {"cursor": my_history.body["nextCursor"]}
    their_history = await api.request(
        HISTORY, "GET", "/bid-history", user=other_user_id, query=mine
    )
    assert their_history.status == 404
    listing = await api.request(BIDS, "GET", "/bids", user=other_user_id)
    assert listing.body["items"] == []


async def test_identity_never_comes_from_the_body(api: ApiApps, sim: Sim, linked: str) -> None:
    auction = await sim.auction()
    answer = await api.request(
        BIDS,
        "POST",
        "/bids",
        user=linked,
        body={**bid_body(auction["itemId"]), "userId": "someone-else"},
    )
    assert answer.status == 400 and answer.error()["field"] == "userId"
    assert msgspec.json.decode(answer.raw)["error"]["code"] == "invalid_input"


async def test_a_listing_url_is_an_item_and_names_its_marketplace(
    api: ApiApps, sim: Sim, linked: str
) -> None:
    auction = await sim.auction(marketplaceId="EBAY_GB", currency="GBP", title="Leica M6 (UK)")
    url = (
        f"https://www.ebay.co.uk/itm/Leica-M6-Body-Boxed/{auction['legacyItemId']}"
        "?hash=item1cbd9f2b4a:g:AbCdEfGh&_trksid=p2047675"
    )
    answer = await api.request(
        BIDS, "POST", "/bids", user=linked, body=bid_body(url, currency="GBP")
    )
    assert answer.status == 201, answer.body
    assert answer.body["itemId"] == auction["itemId"]
    assert answer.body["marketplaceId"] == "EBAY_GB"
    (lookup,) = [e for e in sim.server.exchanges if e.operation == "getItem"]
    assert lookup.header("X-EBAY-C-MARKETPLACE-ID") == "EBAY_GB"

    # The listing's own URL (Browse's itemWebUrl), as a user copies it, is that item too.
    assert answer.body["itemWebUrl"].startswith("https://www.ebay.co.uk/itm/")
    again = await api.request(
        BIDS, "POST", "/bids", user=linked, body=bid_body(answer.body["itemWebUrl"], currency="GBP")
    )
    assert again.status == 409 and again.error()["bidId"] == answer.body["bidId"]


@pytest.mark.parametrize(
    "item_id",
    [
        "http://www.ebay.com/itm/{n}",
        "https://ebay.com.evil.example/itm/{n}",
        "https://www.ebay.com@evil.example/itm/{n}",
        "https://www.ebay.com/itm/Leica-M6/{n}x",
        "https://www.ebay.com/sch/i.html?_nkw={n}",
        "https://www.ebay.com/itm/{n}?var=blue",
        "www.ebay.com/itm/{n}",
    ],
)
async def test_anything_but_an_item_or_listing_url_is_refused_at_the_field(
    api: ApiApps, sim: Sim, linked: str, item_id: str
) -> None:
    auction = await sim.auction()
    answer = await api.request(
        BIDS, "POST", "/bids", user=linked, body=bid_body(item_id.format(n=auction["legacyItemId"]))
    )
    assert answer.status == 400, answer.body
    assert answer.error()["field"] == "itemId"
    assert "listing's https URL on ebay.com, ebay.co.uk" in answer.error()["message"]
    assert not [e for e in sim.server.exchanges if e.operation == "getItem"]  # eBay never asked
