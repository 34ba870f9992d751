"""The eBay simulator and the local AWS in their own processes, for the timing benchmark.

In one process they would share the benchmark's GIL (moto's threaded server) or its event loop
(the simulator), and their work would show up as firing error that production never has. Each
child prints one line saying where it listens, then serves until its stdin closes.

    python -m benchmarks._services local-aws    # prints {"endpoint": ..., "refs": ..., ...}
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sniper.devstack.local.aws import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LocalAws
from sniper.devstack.local.template import Template

ROOT = Path(__file__).resolve().parents[1]
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def use_fake_aws_credentials() -> None:
    """moto accepts anything; never let a real profile be picked up (the lean clients read env)."""
    for name, value in _FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)


@dataclass
class Child:
    """A service process; `stop()` closes its stdin (its signal to exit) and waits."""

    process: subprocess.Popen[str]
    first_line: str
    by_signal: bool = False  # the simulator stops on SIGTERM, not on its stdin

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        if self.by_signal:
            self.process.terminate()
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            self.process.wait(timeout)


def _spawn(args: list[str]) -> Child:
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **{k: os.environ.get(k, v) for k, v in _FAKE_CREDENTIALS.items()}},
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line:
        process.wait(10)
        raise RuntimeError(f"{' '.join(args)} exited ({process.returncode}) before it was ready")
    return Child(process, line)


def pin(process: subprocess.Popen[str], cpus: set[int]) -> None:
    """Keep a child on these CPUs (Linux only; a no-op elsewhere)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(process.pid, cpus)


def realtime(process: subprocess.Popen[str]) -> bool:
    """Run a child under SCHED_FIFO (Linux, root); False where that is not allowed.

    For the children that stand for eBay and the internet (the simulator, the delay proxy): on a
    shared machine their own scheduling delays would otherwise land in every client's error,
    the oracle's included. They sleep between requests, so they take little from anyone else.
    """
    try:
        os.sched_setscheduler(process.pid, os.SCHED_FIFO, os.sched_param(1))
    except (AttributeError, OSError):
        return False
    return True


def start_simulator() -> tuple[Child, str]:
    """`python -m sniper.devstack.ebaysim --port 0` with the local app credentials; (child, base URL)."""
    child = _spawn(
        ["-m", "sniper.devstack.ebaysim", "--port", "0", "--no-record",
         "--client-id", LOCAL_CLIENT_ID, "--client-secret", LOCAL_CLIENT_SECRET]
    )  # fmt: skip
    url = child.first_line.rsplit(" ", 1)[-1]
    if not url.startswith("http://"):
        child.stop()
        raise RuntimeError(f"unexpected simulator banner: {child.first_line!r}")
    child.by_signal = True
    return child, url


def start_local_aws(stack_name: str = "sniper-bench") -> tuple[Child, LocalAws]:
    """The local AWS (moto built from template.yaml) in a child; a LocalAws describing it."""
    child = _spawn(["-m", "benchmarks._services", "local-aws", stack_name])
    described = json.loads(child.first_line)
    aws = LocalAws(
        endpoint=described["endpoint"],
        region=described["region"],
        stack_name=described["stackName"],
        template=Template.load(),
        refs=described["refs"],
        arns=described["arns"],
    )
    return child, aws


def _serve_local_aws(stack_name: str) -> None:
    aws = LocalAws.start(stack_name=stack_name)
    described = {"endpoint": aws.endpoint, "region": aws.region, "stackName": aws.stack_name,
                 "refs": aws.refs, "arns": aws.arns}  # fmt: skip
    sys.stdout.write(json.dumps(described) + "\n")
    sys.stdout.flush()
    sys.stdin.read()  # until the parent closes it (or dies)
    aws.stop()


if __name__ == "__main__":
    if sys.argv[1:2] != ["local-aws"]:
        raise SystemExit("usage: python -m benchmarks._services local-aws [stack-name]")
    _serve_local_aws(sys.argv[2] if len(sys.argv) > 2 else "sniper-bench")
