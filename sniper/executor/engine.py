"""The flow of one snipe in the executor: claim, prepare, fire, settle. See DESIGN.md, step 3-4.

One `run` per invocation. What it does depends on the state it finds:
- SCHEDULED: claim it (lease), then the whole flow.
- ARMED / BIDDING / PLACED with an expired lease: an invocation died there; take over. BIDDING
  means the bid may have left: ask eBay (getBidding) before ever sending again.
- held by a live lease, or final: do nothing (a duplicate delivery).

Lambda's 300 s limit: the schedule fires up to lead + precision (~3 min) before the close. When
the close (or the settle after it) lies beyond what this invocation can wait for, the snipe is
handed to a fresh invocation of this function (an asynchronous self-invoke with the same
SnipeDue) instead of being failed: the lease is released first, so the next one claims it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from sniper.dispatch import Dispatch
from sniper.domain.errors import EbayLinkBroken, EbayLinkRequired, NotFound, UpstreamUnavailable
from sniper.domain.history import TimingReport
from sniper.domain.snipe import FailureReason, SkipReason, Snipe, SnipeStatus
from sniper.ebay.browse import Item
from sniper.ebay.errors import EbayError, EbayUnavailable, ItemNotFound
from sniper.ebay.wire import WarmConnection
from sniper.events import LinkNeedsRenewal, SnipeDue
from sniper.executor import settle
from sniper.executor.claim import Claim, LeaseLost, Refusal, acquire
from sniper.executor.fire import SEND_MARGIN_NS, fire
from sniper.executor.groups import resolve_group
from sniper.executor.prepare import OfferRequests, check_item, ours, warm_up
from sniper.executor.steps import Step, StepHook
from sniper.executor.timing import NS_PER_MS, NS_PER_S, Clock, SystemClock, one_way_latency_ns
from sniper.metrics import SniperMetrics
from sniper.services.ebay_tokens import EbayTokens
from sniper.storage.history import HistoryRepository
from sniper.storage.snipes import SnipesRepository

log = logging.getLogger(__name__)
S = SnipeStatus


class ItemReader(Protocol):
    async def get_item(self, item_id: str, *, marketplace_id: str | None = None) -> Item: ...


class Context(Protocol):
    """The part of Lambda's context the executor reads."""

    function_name: str
    aws_request_id: str

    def get_remaining_time_in_millis(self) -> int: ...


class Result(enum.StrEnum):
    GONE = "gone"
    SETTLED = "settled"
    HELD = "held"
    LOST_LEASE = "lost_lease"
    HANDED_OFF = "handed_off"
    DONE = "done"


@dataclass(frozen=True)
class ExecutorConfig:
    lease_ms: int = 30_000
    grace_ns: int = 2 * NS_PER_S
    prepare_lead_ns: int = 8 * NS_PER_S
    settle_timeout_ns: int = 60 * NS_PER_S
    probes: int = 3
    # The access token must outlive the close by this much (the settle reads after it).
    token_margin_ms: int = 120_000
    # Stop this long before Lambda would kill the invocation.
    invocation_margin_ns: int = 5 * NS_PER_S
    # What a settle needs at least after close + grace (one getBidding, the writes).
    settle_min_ns: int = 3 * NS_PER_S
    group_poll_s: float = 0.5


@dataclass
class Hooks:
    """Observation points for tests (and metrics): called synchronously, must not block."""

    claimed: Callable[[Snipe], None] | None = None
    sent: Callable[[], None] | None = None
    step: StepHook | None = None


@dataclass
class _Run:
    """One invocation's working state."""

    claim: Claim
    deadline_ns: int
    function_name: str
    connection: WarmConnection | None = None
    requests: OfferRequests | None = None
    timing: TimingReport | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def snipe(self) -> Snipe:
        return self.claim.snipe

    @property
    def close_ns(self) -> int:
        return self.snipe.auction_end_ms * NS_PER_MS

    @property
    def target_ns(self) -> int:
        return self.close_ns - round(self.snipe.offset_seconds * NS_PER_S)


class _Handoff(Exception):
    """This invocation cannot wait long enough: hand the snipe to a fresh one."""


class BidExecutor:
    def __init__(
        self,
        *,
        snipes: SnipesRepository,
        history: HistoryRepository,
        tokens: EbayTokens,
        browse: ItemReader,
        connect: Callable[[], WarmConnection],
        notify: Dispatch,
        redispatch: Callable[[str, SnipeDue], Awaitable[None]],
        clock: Clock | None = None,
        config: ExecutorConfig | None = None,
        hooks: Hooks | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
        metrics: SniperMetrics | None = None,
    ) -> None:
        self.snipes = snipes
        self.history = history
        self.tokens = tokens
        self.browse = browse
        self.connect = connect
        self.notify = notify
        self.redispatch = redispatch
        self.clock = clock or SystemClock()
        self.config = config or ExecutorConfig()
        self.hooks = hooks or Hooks()
        self._on_close = on_close
        self.metrics = metrics

    async def close(self) -> None:
        """Release what the executor was built with (its eBay HTTP session)."""
        if self._on_close is not None:
            await self._on_close()

    # ------------------------------------------------------------------ entry
    async def run(self, due: SnipeDue, context: Context) -> Result:
        now = self.clock.now_ns()
        deadline = (
            now
            + context.get_remaining_time_in_millis() * NS_PER_MS
            - self.config.invocation_margin_ns
        )
        # Peek first: a snipe whose close lies beyond this invocation is not claimed at all.
        peek = await acquire_peek(self.snipes, due)
        if isinstance(peek, Refusal):
            return Result(peek.value)
        if peek.status == S.SCHEDULED and not self._fits(peek, deadline):
            await self._hop_later(peek, due, deadline, context.function_name)
            return Result.HANDED_OFF
        owner = f"{context.aws_request_id}/{secrets.token_hex(4)}"
        claimed = await acquire(
            self.snipes, due.user_id, due.bid_id,
            owner=owner, lease_ms=self.config.lease_ms, clock=self.clock,
        )  # fmt: skip
        if isinstance(claimed, Refusal):
            log.info("snipe %s not taken: %s", due.bid_id, claimed.value)
            return Result(claimed.value)
        if self.hooks.claimed is not None:
            self.hooks.claimed(claimed.snipe)
        state = _Run(claimed, deadline, context.function_name)
        heartbeat = _spawn(claimed.heartbeat())
        try:
            await self._step(Step.CLAIMED, claimed.snipe)
            await self._work(state)
        except LeaseLost:
            log.warning("snipe %s: lease lost, stopping", due.bid_id)
            return Result.LOST_LEASE
        except _Handoff:
            await claimed.release()
            await self.redispatch(context.function_name, SnipeDue(
                user_id=due.user_id, bid_id=due.bid_id))  # fmt: skip
            log.warning("snipe %s handed to a fresh invocation", due.bid_id)
            return Result.HANDED_OFF
        except Exception:
            # Let Lambda's retry take over at once instead of waiting out the lease.
            await claimed.release()
            raise
        finally:
            heartbeat.cancel()
            if state.connection is not None:
                await state.connection.close()
        return Result.DONE

    async def _step(self, step: Step, snipe: Snipe) -> None:
        if self.hooks.step is not None:
            await self.hooks.step(step, snipe)

    def _fits(self, snipe: Snipe, deadline_ns: int) -> bool:
        return snipe.auction_end_ms * NS_PER_MS + NS_PER_S <= deadline_ns

    async def _hop_later(
        self, snipe: Snipe, due: SnipeDue, deadline_ns: int, function_name: str
    ) -> None:
        """Sleep as long as useful, then pass the snipe on with a fresh time budget."""
        target = snipe.fire_at_ms * NS_PER_MS - self.config.prepare_lead_ns - 30 * NS_PER_S
        await self.clock.sleep(max(0, min(deadline_ns, target) - self.clock.now_ns()) / NS_PER_S)
        log.warning("snipe %s closes beyond this invocation: handing it on", snipe.bid_id)
        await self.redispatch(function_name, SnipeDue(user_id=due.user_id, bid_id=due.bid_id))

    # ------------------------------------------------------------------ the flow
    async def _work(self, run: _Run) -> None:
        match run.snipe.status:
            case S.ARMED:
                await self._armed(run)
            case S.BIDDING:
                await self._bidding_taken_over(run)
            case S.PLACED:
                await self._settle(run)
            case _:
                log.error("claimed %s in unexpected state %s", run.snipe.bid_id, run.snipe.status)

    async def _armed(self, run: _Run) -> None:
        token = await self._token(run)
        if token is None:
            return
        skip = await resolve_group(
            run.claim, self.snipes, self.clock,
            give_up_ns=run.target_ns - self.config.prepare_lead_ns,
            poll_seconds=self.config.group_poll_s,
        )  # fmt: skip
        if skip is not None:
            await self._finish(run, S.SKIPPED, skip)
            return
        if not await self._check_auction(run):
            return
        requests = self._requests(run, token)
        latency = await self._warm(run, requests)
        if latency is None:
            return
        await self._fire(run, requests, latency, move_to_bidding=True)

    async def _token(self, run: _Run) -> str | None:
        """The user's access token, valid past the close; None when the snipe was finished."""
        snipe = run.snipe
        give_up = run.target_ns - 2 * NS_PER_S
        while True:
            try:
                return await self.tokens.access_token(
                    snipe.user_id,
                    valid_until_ms=snipe.auction_end_ms + self.config.token_margin_ms,
                )
            except EbayLinkRequired:
                await self._finish(run, S.FAILED, FailureReason.NOT_LINKED)
                return None
            except EbayLinkBroken:
                await self._link_broken(run)
                return None
            except UpstreamUnavailable:
                if self.clock.now_ns() >= give_up:
                    await self._finish(run, S.FAILED, FailureReason.EBAY_UNAVAILABLE)
                    return None
                await run.claim.pause_until(min(give_up, self.clock.now_ns() + NS_PER_S))

    async def _refresh(self, run: _Run) -> str:
        user = await self.tokens.users.require(run.snipe.user_id)
        return (await self.tokens.refresh(user)).access_token

    async def _link_broken(self, run: _Run) -> None:
        await self._finish(run, S.FAILED, FailureReason.TOKEN_REVOKED)
        user = await self.tokens.users.get(run.snipe.user_id)
        if user is not None and user.ebay_link is not None:
            event = LinkNeedsRenewal(
                user_id=user.user_id,
                ebay_username=user.ebay_link.username,
                reason="broken",
                refresh_expires_ms=user.ebay_link.refresh_expires_ms,
                affected_bid_ids=(run.snipe.bid_id,),
            )
            try:
                await self.notify(event)
            except Exception:
                log.exception("could not ask %s to link eBay again", user.user_id)

    async def _check_auction(self, run: _Run) -> bool:
        """Re-read the auction shortly before the instant; False when the snipe was finished."""
        await self._step(Step.WAITING, run.snipe)
        for _ in range(3):
            await run.claim.pause_until(run.target_ns - self.config.prepare_lead_ns)
            snipe = run.snipe
            try:
                item = await self.browse.get_item(
                    snipe.item_id, marketplace_id=snipe.marketplace_id
                )
            except ItemNotFound:
                await self._finish(run, S.SKIPPED, SkipReason.AUCTION_ENDED_EARLY)
                return False
            except (EbayUnavailable, EbayError) as error:
                # Browse being down is no reason to miss the auction: bid on what we know.
                log.warning("could not re-read %s (%s); bidding anyway", snipe.item_id, error)
                return True
            verdict = check_item(snipe, item, self.clock.now_ns() // NS_PER_MS)
            if verdict.skip is not None:
                await self._finish(run, S.SKIPPED, verdict.skip)
                return False
            if verdict.new_end_ms is None:
                return True
            log.info(
                "auction %s now ends at %d (was %d)",
                snipe.item_id,
                verdict.new_end_ms,
                snipe.auction_end_ms,
            )
            await run.claim.adopt(auction_end_ms=verdict.new_end_ms)
            if not self._fits(run.snipe, run.deadline_ns):
                raise _Handoff
        return True

    def _requests(self, run: _Run, token: str) -> OfferRequests:
        if run.connection is None:
            run.connection = self.connect()
        run.requests = OfferRequests(run.connection, run.snipe, token)
        return run.requests

    async def _warm(self, run: _Run, requests: OfferRequests) -> int | None:
        """Open and measure the connection; the one-way latency estimate, or None if finished."""
        warm = await warm_up(requests, self.config.probes)
        if warm.unauthorized:
            try:
                requests.use_token(await self._refresh(run))
            except EbayLinkBroken:
                await self._link_broken(run)
                return None
            warm = await warm_up(requests, self.config.probes)
        return one_way_latency_ns(warm.round_trips_ns)

    async def _fire(
        self, run: _Run, requests: OfferRequests, latency_ns: int, *, move_to_bidding: bool
    ) -> None:
        send_at = run.target_ns - latency_ns
        if move_to_bidding:
            await run.claim.pause_until(send_at - NS_PER_S)
            await self._step(Step.BEFORE_FIRE, run.snipe)
            lease_until = run.snipe.auction_end_ms + self.config.lease_ms
            await run.claim.move(S.BIDDING, lease_until_ms=lease_until)
            # Keep the connection warm across the write (and reopen it now if it went idle).
            with contextlib.suppress(EbayError):
                await requests.bidding()
        shot = await fire(
            requests,
            clock=self.clock,
            send_at_ns=send_at,
            close_ns=run.close_ns,
            latency_ns=latency_ns,
            refresh_token=lambda: self._refresh(run),
            on_sent=self.hooks.sent,
        )
        await self._step(Step.SENT, run.snipe)
        run.timing = TimingReport(
            auction_end_ns=run.close_ns,
            target_ns=run.target_ns,
            sent_ns=shot.sent_ns,
            answered_ns=shot.answered_ns,
            estimated_latency_ns=latency_ns,
            attempts=shot.attempts,
        )
        log.info(
            "snipe %s fired: %s after %d attempt(s)", run.snipe.bid_id, shot.outcome, shot.attempts
        )
        if shot.outcome != S.PLACED:
            await self._finish(run, shot.outcome, shot.reason)
            return
        placed_ms = (shot.answered_ns or self.clock.now_ns()) // NS_PER_MS
        await run.claim.move(S.PLACED, placed_ms=placed_ms)
        await settle.tell(self.notify, settle.outcome_event(run.snipe, run.timing))
        await self._settle(run)

    async def _bidding_taken_over(self, run: _Run) -> None:
        """A predecessor died in BIDDING: the bid may be on eBay. Ask before sending again."""
        token = await self._token(run)
        if token is None:
            return
        requests = self._requests(run, token)
        warm = await warm_up(requests, self.config.probes)
        if warm.unauthorized:
            try:
                requests.use_token(await self._refresh(run))
            except EbayLinkBroken:
                await self._link_broken(run)
                return
            warm = await warm_up(requests, self.config.probes)
        if not warm.round_trips_ns:
            # eBay did not tell us; sending blind could bid twice.
            await self._finish(run, S.FAILED, FailureReason.OUTCOME_UNKNOWN)
            return
        if ours(warm.bidding, run.snipe):
            log.info("snipe %s: our bid already stands; recording it", run.snipe.bid_id)
            run.timing = TimingReport(auction_end_ns=run.close_ns, target_ns=run.target_ns)
            await run.claim.move(S.PLACED, placed_ms=self.clock.now_ns() // NS_PER_MS)
            await settle.tell(self.notify, settle.outcome_event(run.snipe, run.timing))
            await self._settle(run)
            return
        latency = one_way_latency_ns(warm.round_trips_ns)
        if self.clock.now_ns() + latency + SEND_MARGIN_NS >= run.close_ns:
            await self._finish(run, S.FAILED, FailureReason.TOO_LATE)
            return
        await self._fire(run, requests, latency, move_to_bidding=False)

    async def _settle(self, run: _Run) -> None:
        await run.claim.pause_until(run.close_ns + self.config.grace_ns)
        requests = run.requests
        if requests is None:
            token = await self._token_for_settle(run)
            requests = self._requests(run, token)
        wanted = run.close_ns + self.config.settle_timeout_ns
        give_up = min(wanted, run.deadline_ns)
        outcome, price, reason = await settle.read_outcome(
            requests, clock=self.clock, give_up_ns=give_up,
            refresh_token=lambda: self._refresh(run),
        )  # fmt: skip
        if outcome == S.FAILED and give_up < wanted:
            raise _Handoff  # out of time here, not out of patience
        await self._finish(run, outcome, reason, final_price=price)

    async def _token_for_settle(self, run: _Run) -> str:
        try:
            return await self.tokens.access_token(run.snipe.user_id)
        except (EbayLinkBroken, EbayLinkRequired):
            return ""  # getBidding will answer 401; the settle records OUTCOME_UNKNOWN

    async def _finish(
        self, run: _Run, outcome: SnipeStatus, reason: str | None, *, final_price: Any = None
    ) -> None:
        timing = run.timing or TimingReport(auction_end_ns=run.close_ns, target_ns=run.target_ns)
        await self._step(Step.BEFORE_SETTLE_WRITE, run.snipe)
        await settle.finish(
            run.claim, self.history, self.notify, outcome,
            reason=reason, timing=timing, final_price=final_price,
            after_write=lambda final: self._step(Step.SETTLED, final), metrics=self.metrics,
        )  # fmt: skip


async def acquire_peek(snipes: SnipesRepository, due: SnipeDue) -> Snipe | Refusal:
    try:
        snipe = await snipes.get(due.user_id, due.bid_id)
    except NotFound:
        return Refusal.GONE
    return Refusal.SETTLED if snipe.is_terminal else snipe


def _spawn(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    return asyncio.ensure_future(coroutine)
