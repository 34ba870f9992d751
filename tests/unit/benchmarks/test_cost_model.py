"""The cost model: the wake queue (what the code does), waiting in Lambda on the scheduler's grid
(what it did), the standby, the cheapest pick."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks._cost_model import (
    Config,
    Prices,
    Standby,
    Usage,
    cheapest,
    cost,
    handoff_share,
    mean_wait_s,
)
from benchmarks.cost import precision_verdicts

QUIET = Usage(offset_s=3.0, init_s=0.5, grace_s=2.0, settle_s=0.5)


WAITS = "scheduler"  # the executor waiting in Lambda from the scheduler's wake


def test_with_the_wake_queue_the_run_starts_a_quarter_minute_before_the_instant() -> None:
    config = Config(1024, lead_s=120, standby=None)
    assert config.wake == "queue"
    assert mean_wait_s(config, QUIET) == 15 + 3  # from target - 15 s: close - 18 s
    bill = cost(config, QUIET)
    assert bill.gb_s["primary"] == pytest.approx(0.5 + 18 + 2 + 0.5)
    assert bill.gb_s["relays"] == pytest.approx(0.5 + 0.3)  # the early invocation's relay
    assert bill.requests["sqs"] == 3  # send, receive, delete
    # The scheduler's lead no longer costs anything: the early invocation ends at once.
    assert cost(Config(1024, 90, None), QUIET).total == pytest.approx(bill.total)


def test_with_the_wake_queue_the_standby_watches_until_the_snipe_is_final() -> None:
    bill = cost(Config(1024, 90, Standby(), wake="queue"), QUIET)
    assert bill.gb_s["standby"] == pytest.approx(0.5 + (18 - 1) + 2 + 0.5)
    assert bill.requests["lambda"] == cost(Config(1024, 90, None), QUIET).requests["lambda"] + 2
    assert bill.requests["sqs"] == 6


def test_the_primary_waits_from_the_grid_to_the_close_then_the_grace_and_the_settle() -> None:
    config = Config(1024, lead_s=120, standby=None, wake=WAITS)
    assert mean_wait_s(config) == 150  # woken between 120 and 180 s before the close
    assert cost(config, QUIET).gb_s["primary"] == pytest.approx(0.5 + 150 + 2 + 0.5)
    assert cost(Config(512, 120, None, wake=WAITS), QUIET).gb_s["primary"] == pytest.approx(153 / 2)


def test_the_standby_watches_from_its_own_grid_until_the_bid_is_placed() -> None:
    config = Config(1024, lead_s=90, standby=Standby(wake_before_close_s=60), wake=WAITS)
    bill = cost(config, QUIET)
    # Woken 60-120 s before the close (mean 90), leaves a second after the target (close - 3 s).
    assert bill.gb_s["standby"] == pytest.approx(0.5 + 90 - 3 + 1)
    assert bill.requests["scheduler"] == 2
    alone = cost(Config(1024, 90, None, wake=WAITS), QUIET)
    assert alone.requests["scheduler"] == 1
    assert bill.requests["lambda"] == alone.requests["lambda"] + 1
    assert bill.requests["dynamodb_wru"] > alone.requests["dynamodb_wru"]


def test_a_wait_beyond_one_invocation_costs_a_hand_off_for_that_share_of_snipes() -> None:
    assert handoff_share(Config(1024, 120, wake=WAITS), QUIET) == 0.0
    room = QUIET.max_invocation_s - QUIET.grace_s - QUIET.settle_s  # 292.5 s
    assert handoff_share(Config(1024, 262, wake=WAITS), QUIET) == pytest.approx((322 - room) / 60)
    assert handoff_share(Config(1024, 400, wake=WAITS), QUIET) == 1.0
    assert handoff_share(Config(1024, 400), QUIET) == 0.0  # the wake queue relays instead


def test_duration_dominates_and_grows_with_memory_and_lead() -> None:
    small, large = (
        cost(Config(512, 90, wake=WAITS), QUIET),
        cost(Config(1769, 90, wake=WAITS), QUIET),
    )
    assert small.total < cost(Config(512, 120, wake=WAITS), QUIET).total < large.total
    assert small.dollars["lambda duration"] > 0.8 * small.total
    per_gb_s = Prices().lambda_gb_s
    assert small.dollars["lambda duration"] == pytest.approx(sum(small.gb_s.values()) * per_gb_s)


def test_a_precise_wake_waits_only_its_own_lead_and_pays_for_transitions() -> None:
    precise = Config(1024, 90, Standby(10, 1, 10), wake="precise", precise_lead_s=15)
    bill = cost(precise, QUIET)
    assert bill.gb_s["primary"] == pytest.approx(0.5 + 15 + 2 + 0.5)
    assert bill.requests["step_transitions"] == 5
    assert bill.total < cost(Config(1024, 90, wake=WAITS), QUIET).total


def test_the_cheapest_pick_only_considers_sizes_that_meet_the_precision_targets() -> None:
    configs = [Config(m, lead) for m in (512, 1024, 1769) for lead in (90, 120)]
    assert cheapest(configs, {512: False, 1024: True, 1769: True}) == Config(1024, 90)
    assert cheapest(configs, {512: True, 1024: True, 1769: True}) == Config(512, 90)
    assert cheapest(configs, {512: None}) is None


def test_precision_verdicts_hold_each_size_to_twice_the_one_vcpu_figure(tmp_path: Path) -> None:
    def scenario(abs_p99: float) -> dict[str, object]:
        return {"clients": {"executor (real)": {"abs_p99": abs_p99}}}

    path = tmp_path / "precision.json"
    path.write_text(json.dumps({"scenarios": {
        "net20": scenario(2.0), "cpu1024": scenario(3.9), "cpu512": scenario(4.1)
    }}))  # fmt: skip
    verdicts, _ = precision_verdicts(path)
    assert verdicts == {512: False, 1024: True, 1769: True}
    missing, note = precision_verdicts(tmp_path / "none.json")
    assert missing == {} and "run precision.py" in note
