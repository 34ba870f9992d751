"""A runtime that dies: `python -m tests.integration.local.orphaned_container hang|block MARKER`
starts one process container of the echo function, has it `hang` or `block`, prints the
container's pid once it is inside the handler, and waits to be killed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from sniper.devstack.local.containers import Invocation
from sniper.devstack.local.process_container import ProcessContainer
from tests.integration.local.templates import ECHO_HANDLER


def _inside(marker: Path) -> bool:
    return marker.exists()


async def main(respond: str, marker: Path) -> None:
    container = await ProcessContainer.start(
        name="EchoFunction#1",
        function="EchoFunction",
        function_name="echo",
        handler=ECHO_HANDLER,
        environment={},
        on_step=lambda container, report: True,
    )
    event = {"respond": respond, "marker": str(marker), "seconds": "120"}
    invocation = Invocation(request_id="orphan", event=event, function_name="echo", timeout_s=300)
    running = asyncio.create_task(container.invoke(invocation))
    while not _inside(marker):  # another process's file: polled, within main's 60 s bound
        await asyncio.sleep(0.01)
    print(container.pid, flush=True)
    await running


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(sys.argv[1], Path(sys.argv[2])), 60))
