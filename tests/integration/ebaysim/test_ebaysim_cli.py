"""`python -m sniper.devstack.ebaysim` runs standalone, prints its URL and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp


async def test_standalone_server_starts_serves_and_stops() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sniper.devstack.ebaysim", "--host", "127.0.0.1", "--port", "0",
        "--bidding-not-approved", stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=15)).decode()
        url = line.strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        async with aiohttp.ClientSession() as http:
            async with http.post(url + "/sim/reset") as response:
                assert response.status == 200
            # --bidding-not-approved: an application eBay has not approved for bidding.
            async with http.get(url + "/sim/bidding-approval") as response:
                assert await response.json() == {"approved": False, "clients": {}}
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=10)
    assert code == 0
    assert b"stopped" in await process.stdout.read()
