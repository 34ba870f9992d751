"""Trading GetMyeBayBuying over HTTP: the watch list as XML, paged."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree

from tests.integration.ebaysim.sim_client import Sim

NS = "urn:ebay:apis:eBLBaseComponents"


def q(path: str) -> str:
    return "/".join(f"{{{NS}}}{part}" for part in path.split("/"))


def request_xml(entries: int, page: int) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<GetMyeBayBuyingRequest xmlns="{NS}">
  <WatchList>
    <Include>true</Include>
    <Pagination><EntriesPerPage>{entries}</EntriesPerPage><PageNumber>{page}</PageNumber></Pagination>
  </WatchList>
</GetMyeBayBuyingRequest>""".encode()


async def call(sim: Sim, token: str, body: bytes, call_name: str = "GetMyeBayBuying") -> Element:
    headers = {
        "X-EBAY-API-CALL-NAME": call_name,
        "X-EBAY-API-IAF-TOKEN": token,
        "X-EBAY-API-SITEID": "0",
        "X-EBAY-API-COMPATIBILITY-LEVEL": "1349",
        "Content-Type": "text/xml",
    }
    async with sim.http.post(sim.url + "/ws/api.dll", data=body, headers=headers) as response:
        assert response.status == 200
        root: Element = ElementTree.fromstring(await response.read())
    return root


async def test_watch_list_pages(sim: Sim) -> None:
    first = await sim.auction(title="One", startPrice="5.00", endsInSeconds=600)
    second = await sim.auction(title="Two", startPrice="7.00", endsInSeconds=900)
    third = await sim.auction(title="Three", listingFormat="FIXED_PRICE")
    await sim.rival(first["itemId"], "r", "6.00")
    ids = [first["itemId"], second["legacyItemId"], third["itemId"]]
    status, _ = await sim.admin("PUT", "/sim/watchlist/watcher", {"itemIds": ids})
    assert status == 200
    token = await sim.token("watcher")

    page1 = await call(sim, token, request_xml(2, 1))
    assert page1.tag == f"{{{NS}}}GetMyeBayBuyingResponse"
    assert page1.findtext(q("Ack")) == "Success"
    items = page1.findall(q("WatchList/ItemArray/Item"))
    assert [i.findtext(q("ItemID")) for i in items] == [
        first["legacyItemId"],
        second["legacyItemId"],
    ]
    one = items[0]
    assert one.findtext(q("Title")) == "One"
    assert one.findtext(q("ListingType")) == "Chinese"
    price = one.find(q("SellingStatus/CurrentPrice"))
    assert price is not None and (price.text, price.get("currencyID")) == ("5.00", "USD")
    assert one.findtext(q("SellingStatus/BidCount")) == "1"
    assert one.findtext(q("ListingDetails/EndTime")) == first["itemEndDate"]
    assert one.findtext(q("ListingDetails/ViewItemURL")).endswith(first["legacyItemId"])
    assert one.findtext(q("PictureDetails/GalleryURL")).startswith("https://")
    assert one.findtext(q("TimeLeft")).startswith("P0DT0H")
    assert page1.findtext(q("WatchList/PaginationResult/TotalNumberOfEntries")) == "3"
    assert page1.findtext(q("WatchList/PaginationResult/TotalNumberOfPages")) == "2"

    page2 = await call(sim, token, request_xml(2, 2))
    items = page2.findall(q("WatchList/ItemArray/Item"))
    assert [i.findtext(q("ListingType")) for i in items] == ["FixedPriceItem"]


async def test_empty_watch_list(sim: Sim) -> None:
    root = await call(sim, await sim.token("nobody"), request_xml(25, 1))
    assert root.find(q("WatchList/ItemArray")) is None
    assert root.findtext(q("WatchList/PaginationResult/TotalNumberOfEntries")) == "0"


@pytest.mark.ebay_invalid_requests
async def test_trading_errors_are_failure_documents(sim: Sim) -> None:
    root = await call(sim, "not-a-token", request_xml(25, 1))
    assert root.findtext(q("Ack")) == "Failure"
    assert root.findtext(q("Errors/ErrorCode")) == "21916984"
    root = await call(sim, await sim.token(), b"<GetMyeBayBuyingRequest")
    assert root.findtext(q("Errors/ErrorCode")) == "5"
    root = await call(sim, await sim.token(), request_xml(500, 1))
    assert root.findtext(q("Errors/ErrorCode")) == "37"
