"""A Lambda-sized share of a CPU for a process: a cgroup v1 `cpu` group with a CFS quota.

AWS: "At 1,769 MB, a function has the equivalent of one vCPU (one vCPU-second of credits per
second)", and CPU is allocated in proportion to memory below that (Lambda developer guide,
"Configuring Lambda function memory"). So 512 MB is 0.29 vCPU, 1024 MB 0.58 vCPU.

How Lambda enforces the share is not published. Firecracker's design notes say each microVM
can be put in a host cgroup with CPU quotas, so we assume CFS bandwidth control, as a cgroup
quota does: per period the group may run `quota` microseconds, then waits for the next period. With the kernel's default 100 ms period, 0.58 vCPU is 58 ms of running
then up to 42 ms of stall, which is what a bursty process under a quota sees; the period is a
parameter (`--cfs-period-ms`) so a shorter one can be tried.

Needs root and a cgroup v1 cpu hierarchy (`/sys/fs/cgroup/cpu`); `CpuShare.available()` says.
The pure parts (sizes, quota, cpu.stat) are tested in tests/unit/benchmarks.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

LAMBDA_MB_PER_VCPU = 1769
CGROUP_CPU_ROOT = Path("/sys/fs/cgroup/cpu")
MIN_QUOTA_US = 1000  # the kernel refuses a quota below 1 ms


def vcpus_for_memory(memory_mb: int) -> float:
    """Lambda's CPU share for a memory size, in vCPUs."""
    return memory_mb / LAMBDA_MB_PER_VCPU


def quota_us(vcpus: float, period_us: int) -> int:
    """cpu.cfs_quota_us for `vcpus` of CPU time per `period_us`."""
    return max(MIN_QUOTA_US, round(vcpus * period_us))


def parse_cpu_stat(text: str) -> dict[str, int]:
    """cpu.stat's `name value` lines (nr_periods, nr_throttled, throttled_time in ns, ...)."""
    stats: dict[str, int] = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if value.strip().isdigit():
            stats[name] = int(value)
    return stats


class CpuShare:
    """One cgroup for the processes of one memory size; `close()` removes it."""

    def __init__(
        self, name: str, vcpus: float, *, period_us: int = 100_000, root: Path = CGROUP_CPU_ROOT
    ) -> None:
        self.root = root
        self.path = root / name
        self.vcpus = vcpus
        self.period_us = period_us

    @staticmethod
    def available(root: Path = CGROUP_CPU_ROOT) -> bool:
        return (root / "cgroup.procs").exists() and os.access(root, os.W_OK)

    def open(self) -> CpuShare:
        self.path.mkdir(exist_ok=True)
        # Period first: the kernel checks the quota against the period in force.
        (self.path / "cpu.cfs_period_us").write_text(str(self.period_us))
        (self.path / "cpu.cfs_quota_us").write_text(str(quota_us(self.vcpus, self.period_us)))
        return self

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def stat(self) -> dict[str, int]:
        with contextlib.suppress(OSError):
            return parse_cpu_stat((self.path / "cpu.stat").read_text())
        return {}

    def close(self) -> None:
        """Move any process left back to the root group, then remove the group."""
        procs = self.path / "cgroup.procs"
        with contextlib.suppress(OSError):
            for pid in procs.read_text().split():
                with contextlib.suppress(OSError):
                    (self.root / "cgroup.procs").write_text(pid)
        with contextlib.suppress(OSError):
            self.path.rmdir()

    def __enter__(self) -> CpuShare:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()
