"""One run of the demo against a running local stack: narrate, seed, snipe, watch, sum up.

The user's side goes through the public API only; the world (auctions, rivals, a Buy It Now
buyer) is set up through the simulator's admin API, as a test harness would. Waiting here is on
real time on purpose: auctions close when they close.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from rich.console import Console, RenderableType

from sniper.devstack.demo.driver import DemoDriver, DemoError, Endpoints
from sniper.devstack.demo.script import CURRENCY, Lot, Observed, Script, differences
from sniper.devstack.demo.terminal import SnipeWatch, say
from sniper.devstack.demo.view import (
    Result,
    Row,
    Snapshot,
    SnipeSet,
    Watched,
    snipes_set,
    summary,
    watch_list,
)
from sniper.domain.iso8601 import iso_from_ms, ms_from_iso

NS_PER_S = 1_000_000_000
# How long after the last close the demo waits for the stragglers (settle, emails) at most.
OVERTIME_S = 45.0
EMAIL_WAIT_S = 10.0


@dataclass
class _Seeded:
    lot: Lot
    item_id: str
    closes_ns: int
    bid_id: str = ""


def _now_ns() -> int:
    return time.time_ns()


class Demo:
    def __init__(
        self,
        driver: DemoDriver,
        script: Script,
        console: Console,
        *,
        poll_seconds: float = 0.5,
    ) -> None:
        self.driver = driver
        self.script = script
        self.console = console
        self.poll_seconds = poll_seconds
        self.seeded: list[_Seeded] = []

    def say(self, *lines: str | RenderableType) -> None:
        say(self.console, *lines)

    # ------------------------------------------------------------------ the whole run
    async def run(self) -> bool:
        """True when every snipe settled as the script expects."""
        started = iso_from_ms(_now_ns() // 1_000_000)
        count = len(self.script.lots)
        self.say(
            f"Demo: {count} auctions on the eBay simulator, sniped through the public API.", ""
        )
        await self._sign_in_and_link()
        t0 = await self._seed()
        await self._show_watch_list()
        await self._set_snipes()
        buyers = [
            asyncio.create_task(self._buy_it_now_at(entry, t0))
            for entry in self.seeded
            if entry.lot.bought_at_s is not None
        ]
        deadline = t0 + int((self.script.lasts_s + OVERTIME_S) * NS_PER_S)
        try:
            finished = await self._watch(deadline_ns=deadline)
        finally:
            for task in buyers:
                task.cancel()
            await asyncio.gather(*buyers, return_exceptions=True)
        results = await self._results(started)
        self.say("", "Results", "")
        self.say(summary(results, CURRENCY))
        return finished and not any(result.differences for result in results)

    # ------------------------------------------------------------------ steps
    async def _sign_in_and_link(self) -> None:
        endpoints = self.driver.endpoints
        await self.driver.sign_in()
        self.say(f"1. Signed in as {endpoints.username!r} (Cognito, the local user pool).")
        await self.driver.create_ebay_user(self.script.ebay_username)
        status = await self.driver.link_ebay(self.script.ebay_username)
        self.say(
            f"2. Linked the eBay account {status['username']!r}: GET /ebay/auth/url, the "
            "simulator's consent page",
            "   (302 back with code and state), POST /ebay/auth/callback.",
        )

    async def _seed(self) -> int:
        t0 = _now_ns()
        for lot in self.script.lots:
            closes = t0 + int(lot.closes_s * NS_PER_S)
            auction = await self.driver.create_auction(
                lot.title, lot.start_price, closes, lot.buy_it_now_price
            )
            for rival in lot.rivals:
                at = t0 + int(rival.at_s * NS_PER_S)
                await self.driver.rival_bid(auction["itemId"], rival.bidder, rival.max_bid, at)
            self.seeded.append(_Seeded(lot, auction["itemId"], closes))
        await self.driver.set_watch_list(
            self.script.ebay_username, [entry.item_id for entry in self.seeded]
        )
        close_after = [lot.closes_s for lot in self.script.lots]
        rivals = sum(len(lot.rivals) for lot in self.script.lots)
        self.say(
            f"3. Seeded the simulator: {len(self.seeded)} auctions closing in "
            f"{min(close_after):.0f}-{max(close_after):.0f} s, {rivals} scripted rival bids,",
            f"   and the watch list of {self.script.ebay_username!r}.",
        )
        return t0

    async def _show_watch_list(self) -> None:
        items = await self.driver.watch_list()
        self.say(f"4. GET /wishlist/items: {len(items)} watched auctions.")
        watched = [
            Watched(
                title=item["title"],
                price=(item.get("currentPrice") or {}).get("value", ""),
                bid_count=item["bidCount"],
                closes_ms=ms_from_iso(item["endTime"]) if item.get("endTime") else None,
            )
            for item in items
        ]
        self.say(watch_list(watched))

    async def _set_snipes(self) -> None:
        self.say("5. POST /bids: a snipe on each (times UTC).")
        group = (self.script.group_id, self.script.group_max_wins)
        created = []
        for entry in self.seeded:
            lot = entry.lot
            bid = await self.driver.create_snipe(
                entry.item_id, lot.max_bid, CURRENCY, group if lot.in_group else None
            )
            entry.bid_id = bid["bidId"]
            created.append(
                SnipeSet(
                    title=lot.title,
                    max_bid=bid["maxBid"]["value"],
                    status=bid["status"],
                    fires_ms=ms_from_iso(bid["fireAt"]),
                    story=lot.story,
                    grouped=lot.in_group,
                )
            )
        self.say(snipes_set(created), "")

    async def _buy_it_now_at(self, entry: _Seeded, t0: int) -> None:
        assert entry.lot.bought_at_s is not None and entry.lot.buyer is not None
        at = t0 + int(entry.lot.bought_at_s * NS_PER_S)
        await asyncio.sleep(max(0.0, (at - _now_ns()) / NS_PER_S))
        try:
            await self.driver.buy_it_now(entry.item_id, entry.lot.buyer)
        except DemoError as error:
            self.say(f"(the scripted Buy It Now did not happen: {error})")

    # ------------------------------------------------------------------ watching
    async def _watch(self, *, deadline_ns: int) -> bool:
        """Show the snipes until every one is settled and every auction over."""
        with SnipeWatch(self.console) as watch:
            while True:
                current = await self._snapshot()
                watch.show(current)
                if current.over:
                    return True
                if _now_ns() >= deadline_ns:
                    break
                await asyncio.sleep(self.poll_seconds)
        self.say("", "Gave up waiting: some snipes did not settle in time.")
        return False

    async def _snapshot(self) -> Snapshot:
        snipes = {bid["bidId"]: bid for bid in await self.driver.snipes()}
        auctions = await asyncio.gather(
            *(self.driver.auction(entry.item_id) for entry in self.seeded)
        )
        rows = []
        for entry, auction in zip(self.seeded, auctions, strict=True):
            bid = snipes[entry.bid_id]
            rows.append(
                Row(
                    title=entry.lot.title,
                    max_bid=bid["maxBid"]["value"],
                    status=bid["status"],
                    reason=bid.get("reason"),
                    closes_ms=entry.closes_ns // 1_000_000,
                    fires_ms=ms_from_iso(bid["fireAt"]),
                    price=auction["price"],
                    bid_count=auction["bidCount"],
                    ended=auction["status"] == "ENDED",
                    bought=auction["endedByBuyItNow"],
                    grouped=entry.lot.in_group,
                )
            )
        return Snapshot(now_ms=_now_ns() // 1_000_000, rows=tuple(rows))

    # ------------------------------------------------------------------ the outcome
    async def _results(self, started: str) -> list[Result]:
        snipes = {bid["bidId"]: bid for bid in await self.driver.snipes()}
        emails = await self._emails(started)
        results = []
        for entry in self.seeded:
            bid = snipes[entry.bid_id]
            history = await self.driver.history(entry.bid_id)
            auction = await self.driver.auction(entry.item_id)
            ours = [
                b
                for b in await self.driver.bids_at_ebay(entry.item_id)
                if b["bidder"] == self.script.ebay_username and b["source"] == "api"
            ]
            final = (history or {}).get("finalPrice") or {}
            observed = Observed(
                status=bid["status"],
                reason=bid.get("reason"),
                final_price=final.get("value") or auction["price"],
                bids_at_ebay=len(ours),
                email_subject=emails.get(entry.lot.title),
            )
            results.append(
                Result(
                    title=entry.lot.title,
                    status=observed.status,
                    reason=observed.reason,
                    final_price=observed.final_price,
                    target_ms=ms_from_iso(bid["fireAt"]),
                    landed_ms_before_close=_landed(ours, auction["endNs"]),
                    email_subject=observed.email_subject,
                    differences=tuple(differences(entry.lot, observed)),
                    grouped=entry.lot.in_group,
                )
            )
        return results

    async def _emails(self, since: str) -> dict[str, str]:
        """The last email subject per lot title; waits a little for the stragglers, since the
        notification is sent after the snipe's final state is written."""
        wanted = {entry.lot.title for entry in self.seeded if entry.lot.expected.email}
        give_up = _now_ns() + int(EMAIL_WAIT_S * NS_PER_S)
        while True:
            found: dict[str, str] = {}
            for message in self.driver.emails(since):
                subject = str(message.get("Subject", ""))
                for title in wanted:
                    if title in subject:
                        found[title] = subject
            if wanted <= found.keys() or _now_ns() >= give_up:
                return found
            await asyncio.sleep(0.2)


def _landed(bids: Sequence[dict[str, Any]], close_ns: int) -> float | None:
    """How many ms before the close our (first accepted) bid reached the simulator."""
    accepted = [b for b in bids if b.get("applied") or b.get("status") == 200]
    first = (accepted or list(bids))[:1]
    return (close_ns - first[0]["arrivedNs"]) / 1e6 if first else None


async def run_demo(
    endpoints: Endpoints,
    script: Script,
    console: Console,
) -> bool:
    """Run the demo once against the stack at `endpoints`, shown on `console` (a table redrawn
    in place when it is a terminal, else a line per change); True when all went as scripted."""
    async with aiohttp.ClientSession() as http:
        driver = DemoDriver(http, endpoints)
        demo = Demo(driver, script, console)
        return await demo.run()
