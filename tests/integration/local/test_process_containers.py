"""Process containers: a function in its own OS process, reused while warm, killed as Lambda
kills a container (a timeout, a crash) with no cleanup in it, never outliving the runtime; and
what one costs next to an in-process container."""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from sniper.devstack.local.async_retries import RetryTiming
from sniper.devstack.local.containers import ContainerKind, FunctionError
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.devstack.local.process_container import ProcessContainer
from sniper.devstack.local.stack import LocalStack
from tests.integration.local.rendezvous import Rendezvous
from tests.integration.local.templates import echo_function, echo_stack_options, reset_functions

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PROCESS = "EchoProcessFunction"
IN_PROCESS = "EchoFunction"
# Retries after 1 s and 2 s (AWS's 60 s and 120 s, 60x): a killed invocation's retry is part of
# what is tested, its minute of waiting is not.
SCALED = RetryTiming.scaled(60, why="a killed invocation's retry, without its minute of waiting")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def process_stack() -> AsyncIterator[LocalStack]:
    functions = {
        IN_PROCESS: echo_function("echo"),
        PROCESS: echo_function("echo-process", timeout=2, retries=1),
    }
    options = echo_stack_options(
        "sniper-pc", functions, SCALED, process_functions=frozenset({PROCESS})
    )
    async with LocalStack(options) as stack:
        yield stack


@pytest_asyncio.fixture(loop_scope="session")
async def functions(process_stack: LocalStack) -> LocalFunctions:
    return await reset_functions(process_stack)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as dead)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


async def _until(condition: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    """Poll a condition outside our control (another process's state), with a bound."""
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.02)
    assert condition(), what


async def test_a_process_container_is_warm_between_invocations_and_built_like_in_process(
    functions: LocalFunctions,
) -> None:
    first = await functions.invoke(PROCESS, {"respond": "whoami"})
    second = await functions.invoke(PROCESS, {"respond": "whoami"})
    in_process = await functions.invoke(IN_PROCESS, {"respond": "whoami"})

    assert first["pid"] == second["pid"] != os.getpid()
    assert in_process["pid"] == os.getpid()
    assert first["request_id"] != second["request_id"]
    assert first["function_name"] == functions.aws.refs[PROCESS]
    # The same settings either way: LocalFunctions.environment, as the build's and the process's.
    assert first["built_with"] == functions.environment(PROCESS)
    assert first["process_environment"].items() >= functions.environment(PROCESS).items()
    [cold] = functions.pool.cold_starts.matching(lambda c: c.function == PROCESS)
    assert cold.kind is ContainerKind.PROCESS and cold.init_ms > 0


async def test_a_raised_error_fails_the_invocation_but_keeps_the_container(
    functions: LocalFunctions,
) -> None:
    before = await functions.invoke(PROCESS, {"respond": "whoami"})
    with pytest.raises(FunctionError) as failed:
        await functions.invoke(PROCESS, {"respond": "raise"})
    assert failed.value.failure.error_type == "RuntimeError"
    after = await functions.invoke(PROCESS, {"respond": "whoami"})
    assert after["pid"] == before["pid"]


async def test_a_timed_out_invocation_is_killed_without_cleanup_and_its_container_replaced(
    functions: LocalFunctions, tmp_path: Path
) -> None:
    before = await functions.invoke(PROCESS, {"respond": "whoami"})
    marker = tmp_path / "marker"
    started = time.monotonic()
    with pytest.raises(FunctionError) as failed:
        await functions.invoke(PROCESS, {"respond": "hang", "marker": str(marker)})
    elapsed = time.monotonic() - started

    assert failed.value.failure.error_type == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in failed.value.failure.message
    assert 2.0 <= elapsed < 3.0
    assert marker.read_text() == "started"  # its finally block never ran
    await _until(lambda: not _alive(before["pid"]), "the timed-out container is gone")
    after = await functions.invoke(PROCESS, {"respond": "whoami"})
    assert after["pid"] != before["pid"]


async def test_a_container_that_died_while_idle_is_replaced(functions: LocalFunctions) -> None:
    before = await functions.invoke(PROCESS, {"respond": "whoami"})
    [idle] = functions.pool.idle(PROCESS)
    os.kill(before["pid"], signal.SIGKILL)  # from outside the runtime: the OOM killer, say
    await _until(lambda: not idle.reusable, "the runtime saw it die")
    after = await functions.invoke(PROCESS, {"respond": "whoami"})
    assert after["pid"] != before["pid"]


async def test_killed_now_the_invocation_fails_as_a_crash_and_its_retry_runs_in_a_new_one(
    functions: LocalFunctions, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    queued = functions.invoke_async(PROCESS, {"respond": "hang", "marker": str(marker)})
    assert queued is not None
    await _until(lambda: marker.exists(), "the invocation started")
    [running] = functions.pool.busy(PROCESS)
    assert isinstance(running, ProcessContainer)
    pid = running.pid

    [kill] = functions.kill_now(PROCESS)
    await queued.finished(timeout_s=10)

    assert kill.pid == pid and kill.step is None and kill.request_id == queued.request_id
    assert [k.container for k in functions.kills] == [kill.container]
    first, second = queued.attempts
    assert first.failure is not None
    assert first.failure.error_type == "Runtime.ExitError"
    assert first.failure.message.endswith("Runtime exited with error: signal: killed")
    assert marker.read_text() == "started"  # no cleanup ran in the killed process
    assert queued.outcome == "succeeded" and second.failure is None
    assert second.container != first.container  # a cold start: the killed one is gone
    assert not _alive(kill.pid)


async def test_concurrent_asynchronous_invocations_each_get_a_process(
    functions: LocalFunctions,
) -> None:
    calls = 4
    async with Rendezvous(calls) as meeting:
        events = [
            functions.invoke_async(PROCESS, {"respond": "rendezvous", "at": meeting.url})
            for _ in range(calls)
        ]
        for queued in events:
            assert queued is not None
            await queued.finished(timeout_s=20)
        pids = {arrival["pid"] for arrival in meeting.arrived}
    assert all(queued is not None and queued.outcome == "succeeded" for queued in events)
    assert len(pids) == calls  # four processes, all inside the function at the same time
    assert functions.pool.peak_busy[PROCESS] == calls


async def test_containers_do_not_outlive_a_stopped_runtime(process_stack: LocalStack) -> None:
    assert process_stack.aws is not None
    runtime = LocalFunctions(process_stack.aws, process_functions={PROCESS})
    await runtime.start()
    async with Rendezvous(2, timeout_s=30) as meeting:
        for _ in range(2):
            runtime.invoke_async(PROCESS, {"respond": "rendezvous", "at": meeting.url})
        await _until(lambda: len(meeting.arrived) == 2, "two containers busy")
        pids = [arrival["pid"] for arrival in meeting.arrived]
        idle = await runtime.invoke(PROCESS, {"respond": "whoami"})  # a third, left idle
        await runtime.stop()
    for pid in [*pids, idle["pid"]]:
        assert not _alive(pid), pid


@pytest.mark.parametrize("respond", ["hang", "block"])
async def test_a_container_dies_with_the_runtimes_process(respond: str, tmp_path: Path) -> None:
    """`hang`: the child's loop sees its socket close. `block`: its loop is stuck, and only the
    kernel's parent-death signal can end it."""
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.local.orphaned_container", respond,
        str(tmp_path / "marker"),
        cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert parent.stdout is not None
    try:
        async with asyncio.timeout(30):
            child = int((await parent.stdout.readline()).decode())
        assert _alive(child)
    finally:
        parent.send_signal(signal.SIGKILL)
        await parent.wait()
    await _until(lambda: not _alive(child), f"container {child} outlived its runtime")


async def test_what_a_process_container_costs(functions: LocalFunctions) -> None:
    """Cold start and warm invocation, process next to in-process (printed; run with -s)."""
    costs: dict[str, dict[str, float]] = {}
    for function in (IN_PROCESS, PROCESS):
        await functions.retire_containers()
        started = time.perf_counter()
        await functions.invoke(function, {"respond": "echo"})
        cold_ms = (time.perf_counter() - started) * 1000
        warm: list[float] = []
        for _ in range(50):
            started = time.perf_counter()
            await functions.invoke(function, {"respond": "echo"})
            warm.append((time.perf_counter() - started) * 1000)
        costs[function] = {"cold_ms": cold_ms, "warm_median_ms": statistics.median(warm)}
    print(f"\ncontainer costs: {costs}")
    process, in_process = costs[PROCESS], costs[IN_PROCESS]
    # Generous bounds on a shared 2-core machine: a spawn and an import, then one round trip.
    assert process["cold_ms"] < 5000
    assert process["warm_median_ms"] < 25
    assert in_process["warm_median_ms"] <= process["warm_median_ms"]
