"""A Lambda-sized CPU share: sizes, quota, cpu.stat, and the files a cgroup is made of."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks._cpu_share import CpuShare, parse_cpu_stat, quota_us, vcpus_for_memory


@pytest.mark.parametrize(("memory", "vcpus"), [(512, 0.29), (1024, 0.58), (1769, 1.0)])
def test_lambda_memory_sizes_map_to_their_share_of_a_vcpu(memory: int, vcpus: float) -> None:
    assert vcpus_for_memory(memory) == pytest.approx(vcpus, abs=0.005)


def test_the_quota_is_the_share_of_the_period_and_never_below_a_millisecond() -> None:
    assert quota_us(0.58, 100_000) == 58_000
    assert quota_us(1.0, 20_000) == 20_000
    assert quota_us(0.001, 100_000) == 1000


def test_cpu_stat_lines_become_counts() -> None:
    text = "nr_periods 40\nnr_throttled 7\nthrottled_time 123456789\nwait_sum x\n"
    assert parse_cpu_stat(text) == {
        "nr_periods": 40, "nr_throttled": 7, "throttled_time": 123456789
    }  # fmt: skip


def test_a_share_writes_period_then_quota_and_adds_processes(tmp_path: Path) -> None:
    (tmp_path / "cgroup.procs").write_text("")
    share = CpuShare("bench-1024", 0.58, period_us=50_000, root=tmp_path).open()
    share.add(4242)
    assert (share.path / "cpu.cfs_period_us").read_text() == "50000"
    assert (share.path / "cpu.cfs_quota_us").read_text() == "29000"
    assert (share.path / "cgroup.procs").read_text() == "4242"
    share.close()  # moves 4242 back to the root group
    assert (tmp_path / "cgroup.procs").read_text() == "4242"
