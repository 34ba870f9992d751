"""EbayHttp keeps one ClientSession per event loop, made lazily on the loop that uses it."""

from __future__ import annotations

import asyncio
import threading

import aiohttp

from sniper.ebay.http import EbayHttp


async def test_one_session_per_loop_reused_and_replaced_when_closed() -> None:
    http = EbayHttp(connect_timeout_s=1.5, total_timeout_s=4.0)
    first = http.session()
    assert http.session() is first
    assert first.timeout.connect == 1.5
    assert first.timeout.total == 4.0

    other: list[aiohttp.ClientSession] = []

    def on_another_loop() -> None:
        async def use() -> None:
            other.append(http.session())
            await http.close()

        asyncio.run(use())

    thread = threading.Thread(target=on_another_loop)
    thread.start()
    thread.join()
    assert other
    assert other[0] is not first
    assert other[0].closed
    assert not first.closed  # the other loop's close left ours alone

    await http.close()
    assert first.closed
    replacement = http.session()
    assert replacement is not first
    await http.close()
