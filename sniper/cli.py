"""The `sniper` command: `sniper local` runs the whole stack on this machine."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path

from sniper.local.stack import LocalStack, StackOptions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sniper", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser("local", help="run the local stack until Ctrl-C")
    local.add_argument("--host", default="127.0.0.1")
    local.add_argument("--port", type=int, default=3000, help="the API gateway's port")
    local.add_argument("--state-file", type=Path, help="write the stack's URLs and demo login here")
    args = parser.parse_args(argv)
    if args.command == "local":
        options = StackOptions(host=args.host, api_port=args.port, state_file=args.state_file)
        return asyncio.run(_serve(options))
    return 2


async def _serve(options: StackOptions) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with LocalStack(options) as stack:
        print(json.dumps(stack.describe(), indent=2))
        print("Local stack running. Ctrl-C to stop.", flush=True)
        await stop.wait()
    print("Stopped.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
