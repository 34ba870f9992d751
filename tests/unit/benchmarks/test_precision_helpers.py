"""The precision benchmark's pure parts: scoring clients against the oracle, the aiming options,
and the scenarios' timelines."""

from __future__ import annotations

import pytest

from benchmarks._aims import OPTIONS, PROBES, pooled
from benchmarks._precision_stats import (
    ClientSamples,
    client_row,
    cpu_ratio,
    late_total,
    verdict,
    within_of_oracle,
)
from benchmarks.precision import (
    EXECUTOR,
    OPTION_SPACING_NS,
    OPTION_START_NS,
    ORACLE,
    SCENARIOS,
    report,
)

MS = 1_000_000


def test_a_bid_at_or_after_the_close_counts_as_late_and_a_missing_one_too() -> None:
    samples = ClientSamples()
    samples.add(1_000 * MS, target_ns=999 * MS, close_ns=2_000 * MS)
    samples.add(2_000 * MS, target_ns=1_000 * MS, close_ns=2_000 * MS)
    samples.add(None, target_ns=1_000 * MS, close_ns=2_000 * MS)
    assert samples.errors == [1.0, 1000.0]
    assert (samples.after_close, samples.missing) == (1, 1)
    assert late_total({"a": samples, "b": ClientSamples()}) == 2


def test_the_figure_of_merit_is_the_absolute_p99_against_the_oracles() -> None:
    oracle = ClientSamples(errors=[-9.0, 9.0] * 50)
    early = ClientSamples(errors=[-12.0] * 100)  # always early: a signed p99 would flatter it
    close = ClientSamples(errors=[11.0] * 100)
    assert within_of_oracle(early, oracle, 3.0) is True
    assert within_of_oracle(ClientSamples(errors=[-12.5] * 100), oracle, 3.0) is False
    assert within_of_oracle(close, oracle, 3.0) is True
    assert within_of_oracle(ClientSamples(), oracle, 3.0) is None
    row = client_row("net80", "x", early, oracle)
    assert row[5] == row[6] == 12.0 and row[9] == "+3.00"


def test_the_cpu_ratio_compares_absolute_p99s() -> None:
    assert cpu_ratio(ClientSamples(errors=[-4.0]), ClientSamples(errors=[2.0])) == 2.0
    assert cpu_ratio(ClientSamples(errors=[1.0]), ClientSamples(errors=[0.0])) is None
    assert verdict(True) == "met" and verdict(False) == "MISSED" and verdict(None) == "no data"


def test_pooled_probe_series_keep_the_order_they_were_taken_in() -> None:
    assert pooled([[1, 3, 5], [2, 4]]) == [1, 2, 3, 4, 5]
    assert pooled([]) == []


def test_every_option_aims_from_at_most_the_probes_a_round_takes() -> None:
    assert all(option.probes <= PROBES for option in OPTIONS)
    assert len({option.name for option in OPTIONS}) == len(OPTIONS)
    trips = [160 * MS] * 15 + [560 * MS]  # the latest probe met a spike
    leads = {o.name: o.lead_ns(trips, offset_ns=1000 * MS, margin_ns=5 * MS) for o in OPTIONS}
    assert leads["today: half fastest of 4"] == 80 * MS
    assert leads["half median of 16"] == 80 * MS
    assert leads["half median of 16, +10%"] == 88 * MS


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_round_leaves_room_for_probes_and_for_the_move_to_bidding(name: str) -> None:
    scenario = SCENARIOS[name]
    assert scenario.prepare_lead_s() > 1.0 + scenario.rtt_max_ms() / 1000
    assert scenario.round_lead_s() > scenario.prepare_lead_s()
    # The options fire after the executor's answer can be back, even after a spike each way.
    assert scenario.rtt_max_ms() < OPTION_START_NS / MS
    # The oracle fires before the executor settles (close + 0.1 s): their work never overlaps.
    assert OPTION_START_NS + (len(OPTIONS) + 1) * OPTION_SPACING_NS < 1_100 * MS


def _found(samples: dict[str, ClientSamples], memory: int = 1769) -> dict[str, object]:
    return {
        "_samples": samples, "proxy": {"late_p50_ms": 0.0, "late_p99_ms": 0.5},
        "cpu_stat": {"nr_periods": 10, "nr_throttled": 0}, "link": "x", "memory_mb": memory,
        "vcpus": 1.0, "rounds": 1, "oracle_send_late_ms": [0.1], "round_trips_ms": [[40.0]],
    }  # fmt: skip


def test_the_report_judges_each_target_from_the_samples() -> None:
    def clients(executor: list[float], oracle: list[float]) -> dict[str, ClientSamples]:
        found = {o.name: ClientSamples(errors=[0.0]) for o in OPTIONS}
        found[EXECUTOR] = ClientSamples(errors=executor)
        found[ORACLE] = ClientSamples(errors=oracle)
        return found

    results = {
        "net80": _found(clients([14.0], [10.0])),  # 4 ms over the oracle: missed
        "net20": _found(clients([2.0], [1.0])),
        "cpu1024": _found(clients([3.9], [1.0]), 1024),  # 1.95x the 1 vCPU figure: met
    }
    verdicts = report(results)  # type: ignore[arg-type]
    assert verdicts == {
        "net80_within_3ms_of_oracle": False, "no_bid_after_close": True,
        "cpu_0_58_at_most_twice": True,
    }  # fmt: skip
    assert results["net80"]["summary"] == {
        "late_or_missing": 0, "proxy_late_p99_ms": 0.5, "throttled_periods": 0
    }  # fmt: skip
