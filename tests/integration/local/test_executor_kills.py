"""The real bid executor in process containers, killed as Lambda kills a container: at a named
step (deterministically) or wherever it is, with no cleanup, and retried as Lambda retries.

The snipes go the whole way: a user linked to the eBay simulator through the API, POST /bids
(inside the schedule lead, so bid management wakes the executor at once; it must fire at least
5 s later), the simulator's auction.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from sniper.devstack.local.crashes import Kill
from sniper.devstack.local.lambdas import AsyncEvent, LocalFunctions
from sniper.devstack.local.stack import LocalStack
from sniper.executor.steps import Step
from tests.fixtures.stack import ApiUser, link_ebay, make_api_user, short_clock_options, sim_call

EXECUTOR = "BidExecutorFunction"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def kill_stack() -> AsyncIterator[LocalStack]:
    options = short_clock_options(
        f"sniper-kill-{secrets.token_hex(3)}",
        why="the executor's lease is 20x shorter here; so are Lambda's retries",
    )
    async with LocalStack(options) as stack:
        yield stack


@dataclass
class Scene:
    """The kill stack, reset, with a user linked to a simulator account through the API."""

    stack: LocalStack
    functions: LocalFunctions
    user: ApiUser
    ebay_username: str

    async def snipe(self, ends_in: float) -> tuple[str, dict[str, Any]]:
        """An auction a rival has bid on, and our snipe on it: (its bid id, the auction)."""
        auction = await sim_call(
            self.stack,
            "POST",
            "/sim/auctions",
            {"title": "A Rolleiflex 2.8F", "startPrice": "10.00", "endsInSeconds": ends_in},
        )
        await sim_call(self.stack, "POST", "/sim/users", {"username": "rival"})
        await sim_call(
            self.stack,
            "POST",
            f"/sim/auctions/{auction['itemId']}/bids",
            {"bidder": "rival", "maxAmount": "20.00"},
        )
        request = {
            "itemId": auction["itemId"],
            "maxBid": {"value": "25.00", "currency": "USD"},
            "offsetSeconds": 1,
        }
        async with self.user.client.post("/bids", json=request) as response:
            created = await response.json()
            assert response.status == 201, created
        return created["bidId"], auction

    async def settled(self, bid_id: str) -> dict[str, Any]:
        async with self.user.client.get(f"/bids/{bid_id}") as response:
            bid: dict[str, Any] = await response.json()
        return bid

    async def our_bids(self, item_id: str) -> list[dict[str, Any]]:
        """The bids of the user's eBay account the simulator received on the item."""
        result = await sim_call(self.stack, "GET", f"/sim/bids?itemId={item_id}")
        return [bid for bid in result["bids"] if bid["bidder"] == self.ebay_username]


@pytest_asyncio.fixture(loop_scope="session")
async def scene(kill_stack: LocalStack) -> AsyncIterator[Scene]:
    await kill_stack.reset()
    assert kill_stack.functions is not None
    user = await make_api_user(kill_stack)
    ebay_username = await link_ebay(kill_stack, user)
    yield Scene(kill_stack, kill_stack.functions, user, ebay_username)
    await user.client.close()


def _killed_event(functions: LocalFunctions, kill: Kill) -> AsyncEvent:
    [event] = functions.async_events.matching(lambda e: e.request_id == kill.request_id)
    return event


async def _all_done(functions: LocalFunctions) -> None:
    """Every executor run about the snipe has ended: retries, and any other trigger's run."""
    async with asyncio.timeout(60):
        await functions.drain()


async def test_killed_at_sent_the_retry_settles_without_bidding_again(
    scene: Scene,
) -> None:
    functions = scene.functions
    bid_id, auction = await scene.snipe(ends_in=8)
    plan = functions.kill_at(Step.SENT, bid_id=bid_id)  # seconds away: the bid leaves at the end

    kill = await functions.killed(bid_id=bid_id)
    event = _killed_event(functions, kill)
    await _all_done(functions)

    assert (kill.step, plan.used) == (Step.SENT, 1)
    first, retry = event.attempts
    assert first.failure is not None and first.failure.error_type == "Runtime.ExitError"
    assert retry.failure is None and retry.container != first.container
    # After the kill, the bid was never sent again: eBay was asked instead.
    after = [s.step for s in functions.steps if s.bid_id == bid_id and s.at_ns > kill.at_ns]
    assert Step.SENT not in after and Step.SETTLED in after
    assert len(await scene.our_bids(auction["itemId"])) == 1
    assert (await scene.settled(bid_id))["status"] == "WON"


async def test_killed_while_it_waits_the_retry_takes_over_and_lands(
    scene: Scene,
) -> None:
    functions = scene.functions
    bid_id, auction = await scene.snipe(ends_in=12)
    await functions.reached(Step.CLAIMED, bid_id=bid_id)

    # Claimed, then asleep towards its instant: killed there (with whatever else runs for this
    # snipe), its lease left behind.
    kills = functions.kill_now(EXECUTOR, bid_id=bid_id)
    await _all_done(functions)

    assert kills and all(kill.step is None for kill in kills)
    for kill in kills:
        attempts = _killed_event(functions, kill).attempts
        assert [attempt.failure is None for attempt in attempts] == [False, True]
    assert len(await scene.our_bids(auction["itemId"])) == 1
    assert (await scene.settled(bid_id))["status"] == "WON"


async def test_killed_in_its_last_minute_it_is_retried_only_after_the_close(
    scene: Scene,
) -> None:
    """What the issue said no local run could show: Lambda retries a crash a minute later (3 s
    on this clock), so an executor that dies in its last minute is retried after the close.
    Whatever saves such a snipe must be something other than Lambda's retry."""
    functions = scene.functions
    bid_id, auction = await scene.snipe(ends_in=8)
    functions.kill_at(Step.BEFORE_FIRE, bid_id=bid_id)  # a second before the bid would leave
    kill = await functions.killed(bid_id=bid_id)
    event = _killed_event(functions, kill)
    await _all_done(functions)

    close_ns = auction["endNs"]
    assert len(event.attempts) == 2, event
    assert kill.at_ns < close_ns < event.attempts[1].started_ns, (kill, close_ns, event)
    assert len(await scene.our_bids(auction["itemId"])) <= 1  # never twice
