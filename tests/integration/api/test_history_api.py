"""/bid-history: filters, pages, one entry with its timing report."""

from __future__ import annotations

from datetime import UTC, datetime

from sniper.domain.snipe import SnipeStatus
from sniper.storage.history import HistoryRepository
from tests.factories import make_history, make_snipe
from tests.integration.api.conftest import HISTORY, ApiApps, ApiResponse

DAY_MS = 86_400_000


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


async def _seed(history_repo: HistoryRepository, user_id: str) -> dict[str, str]:
    ids = {}
    for name, outcome, settled in (
        ("won_jan", SnipeStatus.WON, "2025-01-10T12:00:00"),
        ("lost_feb", SnipeStatus.LOST, "2025-02-10T12:00:00"),
        ("won_mar", SnipeStatus.WON, "2025-03-10T12:00:00"),
    ):
        snipe = make_snipe(user_id=user_id, auction_end_ms=_ms(settled) - 2000)
        entry = await history_repo.record(
            make_history(snipe, outcome=outcome, settled_ms=_ms(settled))
        )
        ids[name] = entry.bid_id
    return ids


async def _history(api: ApiApps, user: str, **query: str) -> ApiResponse:
    """GET /bid-history with `query` (names as the API spells them: from_ is `from`)."""
    spelled = {name.rstrip("_"): value for name, value in query.items()}
    return await api.request(HISTORY, "GET", "/bid-history", user=user, query=spelled)


async def test_list_and_filters(
    api: ApiApps, history_repo: HistoryRepository, user_id: str
) -> None:
    ids = await _seed(history_repo, user_id)
    everything = await _history(api, user_id)
    assert everything.status == 200 and len(everything.body["items"]) == 3
    won = await _history(api, user_id, outcome="WON")
    assert {e["bidId"] for e in won.body["items"]} == {ids["won_jan"], ids["won_mar"]}
    window = await _history(api, user_id, from_="2025-02-01", to="2025-02-28")
    assert [e["bidId"] for e in window.body["items"]] == [ids["lost_feb"]]
    instant = await _history(api, user_id, from_="2025-03-10T11:00:00Z", outcome="won,lost")
    assert [e["bidId"] for e in instant.body["items"]] == [ids["won_mar"]]

    page = await _history(api, user_id, outcome="WON", limit="1")
    assert len(page.body["items"]) == 1 and page.body["nextCursor"]
    rest = await _history(api, user_id, outcome="WON", limit="1", cursor=page.body["nextCursor"])
    assert len(rest.body["items"]) == 1
    assert rest.body["items"][0]["bidId"] != page.body["items"][0]["bidId"]


async def test_bad_filters_are_400(api: ApiApps, user_id: str) -> None:
    for query, field in (
        ({"from": "last week"}, "from"),
        ({"to": "2025-13-01"}, "to"),
        ({"outcome": "SCHEDULED"}, "outcome"),
        ({"from": "2025-03-01", "to": "2025-02-01"}, "from"),
        ({"limit": "many"}, "limit"),
    ):
        answer = await api.request(HISTORY, "GET", "/bid-history", user=user_id, query=query)
        assert answer.status == 400, query
        assert answer.error()["field"] == field


async def test_one_entry_with_its_timing_report(
    api: ApiApps, history_repo: HistoryRepository, user_id: str
) -> None:
    ids = await _seed(history_repo, user_id)
    answer = await api.request(
        HISTORY,
        "GET",
        "/bid-history/{bidId}",
        user=user_id,
        path_parameters={"bidId": ids["won_jan"]},
    )
    assert answer.status == 200
    assert answer.body["outcome"] == "WON" and answer.body["finalPrice"]["value"] == "21.00"
    timing = answer.body["timing"]
    assert timing["attempts"] == 1
    assert timing["roundTripMs"] == 1.3 and timing["sentAfterTargetMs"] == -0.4
    assert timing["target"].endswith("Z") and timing["auctionEnd"] > timing["target"]
    missing = await api.request(
        HISTORY, "GET", "/bid-history/{bidId}", user=user_id, path_parameters={"bidId": "01NOPE"}
    )
    assert missing.status == 404
