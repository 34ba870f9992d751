"""`python -m sniper.devstack.ebaysim --host 127.0.0.1 --port 8900`: the simulator on its own."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from sniper.devstack.ebaysim.config import SimConfig
from sniper.devstack.ebaysim.server import SimulatorServer


async def _serve(host: str, port: int, config: SimConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with SimulatorServer(host=host, port=port, config=config) as server:
        sys.stdout.write(f"eBay simulator listening on {server.url}\n")
        sys.stdout.flush()
        await stop.wait()
    sys.stdout.write("eBay simulator stopped\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sniper.devstack.ebaysim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--client-id", default=None)
    parser.add_argument("--client-secret", default=None)
    parser.add_argument("--accept-url", default=None)
    parser.add_argument(
        "--bidding-not-approved",
        action="store_true",
        help="play an application eBay has not approved for the Buy Offer API: getBidding and "
        "placeProxyBid answer 403 errorId 1100 (PUT /sim/bidding-approval changes it)",
    )
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="do not keep request/response pairs (long-running servers)",
    )
    args = parser.parse_args(argv)
    config = SimConfig(
        client_id=args.client_id,
        client_secret=args.client_secret,
        accept_url=args.accept_url,
        record_exchanges=not args.no_record,
        bidding_approved=not args.bidding_not_approved,
    )
    asyncio.run(_serve(args.host, args.port, config))


if __name__ == "__main__":
    main()
