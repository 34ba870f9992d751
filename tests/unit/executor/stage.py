"""The stage for the executor's flow tests: one snipe, its eBay auction, and executors to run it,
all in memory and on virtual time (tests/fakes/virtual_time.py).

`await Stage.build(...)` (inside `run_virtual`) sets the scene: a user linked to eBay account
USERNAME, an auction on the FakeMarket closing `closes_in_s` from the start, and the user's
SCHEDULED snipe on it in the store. `stage.run(role)` sleeps until that role's wake instant
(or `at_ns`) and runs a BidExecutor invocation for it, as Lambda would, with a context of its
own (300 s); `kill_at` kills it hard at a Step or an instant: its task is cancelled, so no
`except Exception` cleanup runs (a killed process releases no lease and hands nothing over).

What the executor handed to the notifier runs through the real Notifier (idempotent per snipe
and outcome) on the FakeMailer, so a test can count both the hand-offs and the emails.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

import msgspec

from sniper.clock import NS_PER_MS, NS_PER_S
from sniper.dispatch import Dispatchable
from sniper.domain import instants
from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.history import HistoryEntry
from sniper.domain.money import Money
from sniper.domain.snipe import BidGroup, Snipe
from sniper.ebay.wire import WarmConnection
from sniper.events import LinkNeedsRenewal, NotifierEvent, SnipeDue, SnipeOutcome
from sniper.executor.engine import BidExecutor, ExecutorConfig, Hooks, Result
from sniper.executor.steps import Step
from sniper.notifications.notifier import Notifier
from sniper.services.ports.stores import NoticeState, SnipeStore
from tests.factories import make_snipe, make_user
from tests.fakes.clock import START_MS
from tests.fakes.offer_wire import Arrival, FakeMarket
from tests.fakes.stores import FakeBidsTable, FakeSnipeStore
from tests.fakes.virtual_time import VirtualClock
from tests.fakes.world import World

USER_ID = "user-1"
USERNAME = "ada_ebay"
FUNCTION = "bid-executor"
INVOCATION_S = 300.0
KILLED = "killed"  # what `run` returns for an invocation killed by `kill_at`

Role = Literal["primary", "standby"]


class FakeWake:
    """The wake queue (sniper/wake.py): what was relayed, and for how long."""

    def __init__(self) -> None:
        self.calls: list[tuple[SnipeDue, int]] = []

    async def later(self, due: SnipeDue, delay_s: int) -> None:
        self.calls.append((due, delay_s))


class FakeRedispatch:
    """The executor's asynchronous self-invoke."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, SnipeDue]] = []

    async def __call__(self, function_name: str, due: SnipeDue) -> None:
        self.calls.append((function_name, due))


class ThrottledSnipes(FakeSnipeStore):
    """The Bids table as one invocation reaches it: from `throttled` on, every write it makes
    fails as DynamoDB's throttling does once the SDK's retries are spent."""

    def __init__(self, table: FakeBidsTable) -> None:
        super().__init__(table)
        self.throttled = False
        self.refused = 0

    async def save(self, snipe: Snipe, *, expected_version: int) -> Snipe:
        if self.throttled:
            self.refused += 1
            raise UpstreamUnavailable("ProvisionedThroughputExceededException")
        return await super().save(snipe, expected_version=expected_version)


class FaultySnipes(FakeSnipeStore):
    """The Bids table as one invocation reaches it, with a say over each write: `fault(snipe)`
    gives a delay in seconds (a slow store), an exception to raise (throttling once the SDK's
    retries are spent), or None for a normal write. `faulted` counts the writes it touched."""

    def __init__(
        self, table: FakeBidsTable, clock: VirtualClock, fault: Callable[[Snipe], object]
    ) -> None:
        super().__init__(table)
        self.clock = clock
        self.fault = fault
        self.faulted = 0

    async def save(self, snipe: Snipe, *, expected_version: int) -> Snipe:
        match self.fault(snipe):
            case float() | int() as delay_s:
                self.faulted += 1
                await self.clock.sleep(delay_s)
            case Exception() as error:
                self.faulted += 1
                raise error
        return await super().save(snipe, expected_version=expected_version)


@dataclass(frozen=True)
class Handed:
    at_ns: int
    event: NotifierEvent


class NotifierDispatch:
    """The hand-off to the notification handler: each event handed over (and when), then the
    real Notifier on the FakeMailer, as the handler would run it. `refuse_next` makes the next
    hand-offs fail as an unreachable Lambda does."""

    def __init__(self, clock: VirtualClock, notifier: Notifier) -> None:
        self.clock = clock
        self.notifier = notifier
        self.handed: list[Handed] = []
        self._refuse: list[str] = []

    def refuse_next(self, *kinds: str) -> None:
        """The next hand-off of each of these kinds fails (UpstreamUnavailable): an outcome
        ("PLACED", "WON", ...) or "LinkNeedsRenewal"."""
        self._refuse.extend(kinds)

    async def __call__(self, event: Dispatchable) -> None:
        assert not isinstance(event, SnipeDue), "the executor hands the notifier its events only"
        kind = event.outcome if isinstance(event, SnipeOutcome) else type(event).__name__
        if kind in self._refuse:
            self._refuse.remove(kind)
            raise UpstreamUnavailable("Lambda could not be invoked")
        self.handed.append(Handed(self.clock.now_ns(), event))
        with contextlib.suppress(UpstreamUnavailable):  # a claim in flight: Lambda would retry
            await self.notifier.notify(event)


class FakeContext:
    """The part of Lambda's context the executor reads; the invocation lasts `budget_s`."""

    function_name = FUNCTION

    def __init__(self, clock: VirtualClock, request_id: str, budget_s: float) -> None:
        self.clock = clock
        self.aws_request_id = request_id
        self.ends_ns = clock.now_ns() + round(budget_s * NS_PER_S)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, (self.ends_ns - self.clock.now_ns()) // NS_PER_MS)


class Stage:
    def __init__(self, clock: VirtualClock, world: World, market: FakeMarket) -> None:
        self.clock = clock
        self.world = world
        self.stores = world.stores
        self.market = market
        self.wake = FakeWake()
        self.redispatch = FakeRedispatch()
        notifier = Notifier(
            self.stores.users,
            world.mailer,
            snipes=self.stores.snipes,
            notices=self.stores.notices,
            history=self.stores.history,
            clock=clock,
        )
        self.notify = NotifierDispatch(clock, notifier)
        self.snipe: Snipe
        self.item_id = ""
        self.results: list[Result | str] = []
        self._requests = itertools.count(1)

    @classmethod
    async def build(
        cls,
        *,
        closes_in_s: float = 60.0,
        offset_s: float = 3.0,
        max_bid: str = "25.00",
        start_price: str = "10.00",
        buy_it_now_price: str | None = None,
        latency_ms: float = 40.0,
        linked: bool = True,
        group: BidGroup | None = None,
        **snipe_fields: Any,
    ) -> Stage:
        clock = VirtualClock()
        world = World(clock=clock)
        market = FakeMarket(clock, world.ebay.accounts, latency_ms=latency_ms)
        stage = cls(clock, world, market)
        if linked:
            await world.link_user(USER_ID, USERNAME)
        else:
            await world.stores.users.create(make_user(user_id=USER_ID))
        end_ms = START_MS + round(closes_in_s * 1000)
        auction = market.add_auction(
            end_ms=end_ms, start_price=start_price, buy_it_now_price=buy_it_now_price
        )
        stage.item_id = auction.item_id
        now_ms = clock.now_ms
        stage.snipe = await world.stores.snipes.create(
            make_snipe(
                user_id=USER_ID,
                item_id=auction.item_id,
                legacy_item_id=auction.legacy_item_id,
                title=auction.title,
                max_bid=Money.parse(max_bid, auction.currency),
                offset_seconds=offset_s,
                auction_end_ms=end_ms,
                created_ms=now_ms,
                updated_ms=now_ms,
                group=group,
                **snipe_fields,
            )
        )
        return stage

    # ------------------------------------------------------------------ instants
    @property
    def close_ns(self) -> int:
        return instants.close_ns(self.snipe.auction_end_ms)

    @property
    def target_ns(self) -> int:
        return instants.target_ns(self.snipe.auction_end_ms, self.snipe.offset_seconds)

    def wake_ns(self, role: Role = "primary") -> int:
        return instants.run_wake_ns(self.target_ns, standby=role == "standby")

    def after(self, instant_ns: int, action: Callable[[], object]) -> asyncio.Task[None]:
        """Do `action` (a function, or one returning an awaitable) at `instant_ns`."""

        async def later() -> None:
            await self.clock.sleep_until(instant_ns)
            done = action()
            if isinstance(done, Awaitable):
                await done

        return asyncio.ensure_future(later())

    # ------------------------------------------------------------------ invocations
    def executor(
        self,
        *,
        hooks: Hooks | None = None,
        config: ExecutorConfig | None = None,
        snipes: SnipeStore | None = None,
    ) -> BidExecutor:
        return BidExecutor(
            snipes=snipes or self.stores.snipes,
            history=self.stores.history,
            notices=self.stores.notices,
            tokens=self.world.tokens,
            browse=self.market.browse,
            # FakeOfferConnection has WarmConnection's surface (a class, not a Protocol).
            connect=cast("Callable[[], WarmConnection]", self.market.connect),
            notify=self.notify,
            wake=self.wake,
            redispatch=self.redispatch,
            clock=self.clock,
            config=config,
            hooks=hooks,
        )

    def due(self, role: Role = "primary") -> SnipeDue:
        return SnipeDue(user_id=self.snipe.user_id, bid_id=self.snipe.bid_id, role=role)

    async def run(
        self,
        role: Role = "primary",
        *,
        at_ns: int | None = None,
        due: SnipeDue | None = None,
        kill_at: Step | int | None = None,
        hooks: Hooks | None = None,
        budget_s: float = INVOCATION_S,
        config: ExecutorConfig | None = None,
        snipes: SnipeStore | None = None,
    ) -> Result | str:
        """One invocation for `role` from its wake instant (or `at_ns`): its Result, or KILLED.

        `kill_at`: a Step (the first time the invocation reaches it) or an instant (epoch ns).
        `snipes`: the Bids table as this invocation reaches it (ThrottledSnipes).
        Lambda's own limit is enforced: an invocation still running when its time is up fails
        the test (the executor must hand off before that)."""
        await self.clock.sleep_until(self.wake_ns(role) if at_ns is None else at_ns)
        hooks = hooks or Hooks()
        killed = asyncio.Event()

        def kill(task: asyncio.Task[Any]) -> None:
            killed.set()
            task.cancel()

        if isinstance(kill_at, Step):
            inner_step = hooks.step

            async def step(at: Step, snipe: Snipe) -> None:
                if at is kill_at and not killed.is_set():
                    task = asyncio.current_task()
                    assert task is not None
                    kill(task)
                    await asyncio.sleep(0)  # the kill lands here
                if inner_step is not None:
                    await inner_step(at, snipe)

            hooks = Hooks(claimed=hooks.claimed, sent=hooks.sent, step=step)
        context = FakeContext(self.clock, f"req-{next(self._requests)}", budget_s)
        executor = self.executor(hooks=hooks, config=config, snipes=snipes)
        task = asyncio.ensure_future(executor.run(due or self.due(role), context))
        if isinstance(kill_at, int):
            self.after(kill_at, lambda: kill(task))
        try:
            async with asyncio.timeout(budget_s):
                result: Result | str = await asyncio.shield(task)
        except asyncio.CancelledError:
            if not killed.is_set():
                raise
            result = KILLED
        except TimeoutError:
            task.cancel()
            raise AssertionError(f"Lambda would have killed {context.aws_request_id}") from None
        self.results.append(result)
        return result

    async def both(self, **primary: Any) -> tuple[Result | str, Result | str]:
        """The primary (with `primary`'s options) and the standby, side by side."""
        first, second = await asyncio.gather(self.run("primary", **primary), self.run("standby"))
        return first, second

    # ------------------------------------------------------------------ what happened
    async def stored(self) -> Snipe:
        return await self.stores.snipes.get(self.snipe.user_id, self.snipe.bid_id)

    async def entry(self) -> HistoryEntry:
        return await self.stores.history.get(self.snipe.user_id, self.snipe.bid_id)

    def handed(self, outcome: str | None = None) -> list[Handed]:
        """Outcome events handed to the notifier (of `outcome`), in order."""
        return [
            h
            for h in self.notify.handed
            if isinstance(h.event, SnipeOutcome) and outcome in (None, h.event.outcome)
        ]

    def outcomes(self) -> list[str]:
        return [h.event.outcome for h in self.handed()]  # type: ignore[union-attr]

    def renewals(self) -> list[LinkNeedsRenewal]:
        return [h.event for h in self.notify.handed if isinstance(h.event, LinkNeedsRenewal)]

    def emails(self) -> list[str]:
        """The tags of the emails Postmark took, in order."""
        return [message.tag for _, message, _ in self.world.mailer.accepted]

    async def notices(self) -> dict[str, NoticeState]:
        return await self.stores.notices.states(self.snipe.user_id, self.snipe.bid_id)

    def bids(self) -> list[Arrival]:
        """Our placeProxyBid requests that reached eBay."""
        return self.market.bids(USERNAME)

    def applied(self) -> list[Arrival]:
        return self.market.applied(USERNAME)

    def price(self) -> Money:
        return self.market.auction(self.item_id).price

    def delete(self) -> None:
        """The snipe is gone from the store (the user deleted their data)."""
        del self.stores.snipes.table.partition(USER_ID)[("snipe", self.snipe.bid_id)]

    def our_bid(self, max_amount: str | None = None) -> None:
        """Our maximum (the snipe's, unless told) lands on eBay now, as a predecessor's bid
        whose answer never reached anyone would have."""
        self.market.rival_bid(self.item_id, max_amount or self.snipe.max_bid.value, bidder=USERNAME)

    def revoke_link(self) -> None:
        """The user revoked our access at eBay: every token, access and refresh, is refused."""
        self.market.forget_tokens(USERNAME)
        for refresh_token in list(self.world.ebay.oauth.refreshable):
            self.world.ebay.oauth.revoke(refresh_token)

    async def expire_access(self, *, at_ms: int) -> None:
        """The stored access token expires at `at_ms` (so it must be refreshed before use)."""
        user = await self.stores.users.require(USER_ID)
        assert user.ebay_link is not None
        link = msgspec.structs.replace(user.ebay_link, access_expires_ms=at_ms)
        changed = msgspec.structs.replace(user, ebay_link=link, version=user.version + 1)
        await self.stores.users.save(changed, expected_version=user.version)

    async def choose_emails(self, **choices: bool) -> None:
        """The user's email choices, changed (`placed=True`: tell me when the bid is placed)."""
        user = await self.stores.users.require(USER_ID)
        notifications = msgspec.structs.replace(user.preferences.notifications, **choices)
        preferences = msgspec.structs.replace(user.preferences, notifications=notifications)
        changed = msgspec.structs.replace(user, preferences=preferences, version=user.version + 1)
        await self.stores.users.save(changed, expected_version=user.version)

    async def put(self, **fields: Any) -> Snipe:
        """Overwrite the stored snipe with `fields` changed (a version ahead): a scene in which
        a predecessor left it so."""
        current = await self.stored()
        changed = msgspec.structs.replace(current, version=current.version + 1, **fields)
        await self.stores.snipes.save(changed, expected_version=current.version)
        self.snipe = changed
        return changed
