"""A real cgroup quota throttles a busy process (root and cgroup v1 only, else skipped)."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from benchmarks._cpu_share import CpuShare

pytestmark = pytest.mark.skipif(not CpuShare.available(), reason="needs root and cgroup v1 cpu")


def test_a_busy_process_under_a_fifth_of_a_cpu_is_throttled_and_the_group_is_removed() -> None:
    busy = "import time\nend = time.monotonic() + 0.3\nwhile time.monotonic() < end: pass\n"
    with CpuShare(f"sniper-test-{uuid.uuid4().hex[:8]}", 0.2, period_us=20_000) as share:
        child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()\n" + busy],
                                 stdin=subprocess.PIPE)  # fmt: skip
        share.add(child.pid)
        assert child.stdin is not None
        child.stdin.close()  # now it spins, inside the group
        assert child.wait(30) == 0
        stats = share.stat()
        path = share.path
    assert stats["nr_throttled"] > 0 and stats["throttled_time"] > 0
    assert not path.exists()
