"""One executor container for benchmarks/invocation_to_armed.py: a fresh process that imports the
executor's Lambda app from whichever source tree is first on its PYTHONPATH, builds it as Lambda's
init does, and invokes it once per snipe it is given, timing each invocation until the snipe is
claimed (ARMED in DynamoDB). It uses only what every version of the executor has had:
`sniper.executor.app.build` and `sniper.executor.engine.acquire`.

stdin: {"environment": {...}, "snipes": [[user_id, bid_id], ...], "function": "..."}
stdout: {"import_ms": ..., "build_ms": ..., "armed_ms": [first (cold, from process start), ...]}
"""

from __future__ import annotations

import time

PROCESS_STARTED_NS = time.time_ns()

import asyncio  # noqa: E402 - timed from before the first import
import json  # noqa: E402
import sys  # noqa: E402
import uuid  # noqa: E402
from typing import Any  # noqa: E402


class Context:
    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 300

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


async def main() -> dict[str, Any]:
    job = json.loads(sys.stdin.read())
    from sniper.executor import app as executor_app
    from sniper.executor import engine

    imported_ns = time.time_ns()
    app = await executor_app.build(job["environment"])
    built_ns = time.time_ns()

    claimed = asyncio.Event()
    original = engine.acquire

    async def acquire(*args: Any, **kwargs: Any) -> Any:
        result = await original(*args, **kwargs)
        if type(result).__name__ == "Claim":
            claimed.set()
        return result

    engine.acquire = acquire  # type: ignore[assignment]
    armed_ms: list[float] = []
    for index, (user_id, bid_id) in enumerate(job["snipes"]):
        claimed.clear()
        started_ns = PROCESS_STARTED_NS if index == 0 else time.time_ns()
        event = {"type": "snipe.due", "userId": user_id, "bidId": bid_id}  # as the scheduler's
        run = asyncio.ensure_future(app(event, Context(job["function"])))
        waiting = asyncio.ensure_future(claimed.wait())
        await asyncio.wait({run, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if claimed.is_set():
            armed_ms.append((time.time_ns() - started_ns) / 1e6)
        run.cancel()
        waiting.cancel()
        await asyncio.gather(run, waiting, return_exceptions=True)
    return {
        "import_ms": (imported_ns - PROCESS_STARTED_NS) / 1e6,
        "build_ms": (built_ns - imported_ns) / 1e6,
        "armed_ms": armed_ms,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())), flush=True)
