"""The pure parts of benchmarks/: percentile math, matching the bid log, the rows, the v2 event.

No benchmark runs here (they take minutes and need the machine to themselves)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from benchmarks._api_event import api_event
from benchmarks._common import percentile, summary
from benchmarks._timing import Samples, errors_ms, first_arrivals, level_row, ratio
from benchmarks.executor_timing import prepare_lead_s, wave_lead_s
from benchmarks.run_all import BENCHMARKS

BENCH_DIR = Path(__file__).resolve().parents[3] / "benchmarks"


# ---------------------------------------------------------------------- percentiles
def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(200, 0, -1)]  # unsorted on purpose
    assert percentile(values, 50) == 100
    assert percentile(values, 99) == 198
    assert percentile(values, 100) == 200
    assert percentile(values, 0) == 1


def test_the_p99_of_a_hundred_samples_is_the_99th() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 99) == 99


def test_a_p99_of_fewer_than_a_hundred_samples_is_the_maximum() -> None:
    values = [float(v) for v in range(1, 51)]
    assert percentile(values, 99) == 50


def test_summary_of_a_single_sample() -> None:
    assert summary([3.5]) == {"n": 1, "p50": 3.5, "p99": 3.5, "max": 3.5, "min": 3.5}


# ---------------------------------------------------------------------- the bid log
def _bid(item: str, bidder: str, arrived: int, source: str = "api") -> dict[str, object]:
    return {"itemId": item, "bidder": bidder, "arrivedNs": arrived, "source": source}


def test_first_arrivals_keeps_the_earliest_bid_of_the_named_bidder_through_the_api() -> None:
    bids = [
        _bid("a", "us", 30),
        _bid("a", "us", 20),  # a retry logged first would still be the earlier one
        _bid("a", "rival", 5),
        _bid("b", "us", 7, source="rival"),
        _bid("c", "us", 9),
    ]
    assert first_arrivals(bids, {"a": "us", "b": "us"}) == {"a": 20}


def test_errors_are_in_milliseconds_and_missing_bids_are_counted() -> None:
    errors, missing = errors_ms({"a": 1_500_000, "b": 999_000}, {"a": 0, "b": 1_000_000, "c": 0})
    assert errors == [1.5, -0.001]
    assert missing == 1


def test_ratio_needs_a_positive_floor() -> None:
    assert ratio(3.0, 1.5) == 2.0
    assert ratio(3.0, 0.0) is None
    assert ratio(3.0, -0.2) is None


def test_level_row_says_whether_the_p99_target_is_met() -> None:
    floor = Samples(errors=[0.4] * 100)
    fast = level_row(1, Samples(errors=[0.5] * 100), floor, 2.0)
    slow = level_row(1, Samples(errors=[0.5] * 98 + [3.0, 3.0]), floor, 2.0)
    untargeted = level_row(10, Samples(errors=[0.5] * 10), floor, None)
    assert fast[-1] == "met" and fast[-3] == "1.2x"
    assert slow[-1] == "MISSED" and slow[3] == 3.0
    assert untargeted[-1] == "-"


def test_stats_report_the_absolute_p99_and_leave_out_empty_series() -> None:
    stats = Samples(errors=[-2.0] + [0.1] * 199, missing=2).stats()
    assert stats["abs_p99"] == 0.1  # the one early outlier is the 200th of 200
    assert stats["missing"] == 2
    assert "wake" not in stats and stats["errors"]["min"] == -2.0


# ---------------------------------------------------------------------- the executor's timeline
@pytest.mark.parametrize("concurrency", [1, 10, 100])
def test_a_wave_leaves_the_executor_its_prepare_lead_before_it_must_be_bidding(
    concurrency: int,
) -> None:
    # The executor moves to BIDDING one second before it sends; the re-read comes before that.
    assert prepare_lead_s(concurrency) > 1.0
    assert wave_lead_s(concurrency) > prepare_lead_s(concurrency)


def test_run_all_names_scripts_that_exist() -> None:
    for name in BENCHMARKS:
        assert (BENCH_DIR / f"{name}.py").is_file(), name


@pytest.mark.parametrize("script", sorted(p.stem for p in BENCH_DIR.glob("*.py")))
def test_every_benchmark_module_imports(script: str) -> None:
    # mypy checks sniper/ only, and no benchmark runs in the suite: a refactor that moves what a
    # script imports would otherwise surface only on the next published run.
    importlib.import_module(f"benchmarks.{script}")


# ---------------------------------------------------------------------- the v2 event
def test_api_event_carries_claims_as_api_gateway_does() -> None:
    claims = {"sub": "u-1", "email_verified": True, "cognito:groups": ["a", "b"], "exp": 17}
    event = api_event(
        "PUT",
        "/bids/01H",
        "PUT /bids/{bidId}",
        path_parameters={"bidId": "01H"},
        query={"limit": "5"},
        body={"maxBid": {"value": "9.00", "currency": "USD"}},
        claims=claims,
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "PUT /bids/{bidId}"
    assert event["requestContext"]["http"]["method"] == "PUT"
    assert event["pathParameters"] == {"bidId": "01H"}
    assert event["rawQueryString"] == "limit=5"
    assert event["queryStringParameters"] == {"limit": "5"}
    assert json.loads(event["body"]) == {"maxBid": {"value": "9.00", "currency": "USD"}}
    assert event["headers"]["content-type"] == "application/json"
    jwt = event["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"] == {
        "sub": "u-1", "email_verified": "true", "cognito:groups": "[a b]", "exp": "17"
    }  # fmt: skip
    assert jwt["scopes"] is None  # an ID token has no scope claim


def test_a_public_route_event_has_no_authorizer_and_no_body() -> None:
    event = api_event("GET", "/openapi.json", "GET /openapi.json")
    assert "authorizer" not in event["requestContext"]
    assert "body" not in event and "queryStringParameters" not in event
    assert "content-type" not in event["headers"]
