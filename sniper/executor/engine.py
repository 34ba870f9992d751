"""The flow of one snipe in the executor: claim (or stand by), prepare, fire, settle.

Every invocation, whatever woke it (the primary schedule, the standby schedule, the wake queue, a
duplicate delivery, Lambda's retry, a hand-off), does the same thing with what it finds:
- too early (its wake instant is more than a few seconds away): relay itself through the wake
  queue to that instant and stop, rather than pay for minutes of waiting (sniper/wake.py).
- SCHEDULED, or in flight with an abandoned lease: claim it and run the flow from that state.
  BIDDING means the bid may have left: ask eBay (getBidding) before ever sending again.
- in flight under a live lease: stand by. Watch the lease, get ready near the instant (token,
  warm connection), and take over the moment the holder stops renewing (a crash, a timeout).
- final: make sure the email it owes was handed to the notifier, then stop.
The instants (when to prepare, move to BIDDING, fire, settle; how long leases last; when a
standby may take over) come from sniper/domain/instants.py; why this sends exactly once is in
docs/exactly-once.md.

Lambda's 300 s limit: a snipe whose close (or settle) lies beyond what this invocation can wait
for (its end adopted from eBay moved much later) is handed to a fresh invocation of this
function (an asynchronous self-invoke).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sniper.clock import NS_PER_MS, NS_PER_S, SYSTEM_CLOCK, Clock
from sniper.dispatch import Dispatch
from sniper.domain import instants
from sniper.domain.errors import EbayLinkBroken, EbayLinkRequired, UpstreamUnavailable
from sniper.domain.instants import Timing
from sniper.domain.money import Money
from sniper.domain.snipe import FailureReason, SkipReason, Snipe, SnipeStatus
from sniper.domain.timing_report import TimingReport
from sniper.domain.user import RenewalReason
from sniper.ebay.errors import EbayAppNotApproved, EbayError, ItemNotFound
from sniper.ebay.wire import WarmConnection
from sniper.events import LinkNeedsRenewal, SnipeDue
from sniper.executor import aim, settle
from sniper.executor.claim import Claim, LeaseLost, Refusal, acquire, peek
from sniper.executor.fire import MAX_ATTEMPTS, FireResult, Verdict, fire
from sniper.executor.groups import resolve_group
from sniper.executor.prepare import OfferRequests, check_item, our_maximum_stands, warm_up
from sniper.executor.steps import Step, StepHook
from sniper.metrics import SniperMetrics
from sniper.services.ebay_tokens import EbayTokens
from sniper.services.ports.ebay import ItemReader
from sniper.services.ports.stores import HistoryStore, NoticeStore, SnipeStore

log = logging.getLogger(__name__)
S = SnipeStatus
T = TypeVar("T")
# Between preparing and firing, a probe this often (aim.RECOMMENDED_PROBES in all, about).
PROBE_INTERVAL_S = 0.5


class Wake(Protocol):
    """Where an early invocation hands itself to a later one (sniper/wake.py)."""

    async def later(self, due: SnipeDue, delay_s: int) -> None: ...


class Context(Protocol):
    """The part of Lambda's context the executor reads."""

    function_name: str
    aws_request_id: str

    def get_remaining_time_in_millis(self) -> int: ...


class Result(enum.StrEnum):
    RELAYED = "relayed"  # too early: handed to the wake queue for its wake instant
    GONE = "gone"
    SETTLED = "settled"
    HELD = "held"  # stood by until its own deadline; the holder was alive throughout
    LOST_LEASE = "lost_lease"
    HANDED_OFF = "handed_off"
    DONE = "done"


@dataclass(frozen=True)
class ExecutorConfig:
    timing: Timing = instants.DEFAULT
    probes: int = 3
    # The access token must outlive the close by this much (the settle reads after it).
    token_margin_ms: int = 120_000
    # Stop this long before Lambda would kill the invocation.
    invocation_margin_ns: int = 5 * NS_PER_S
    group_poll_s: float = 0.5
    max_attempts: int = MAX_ATTEMPTS


@dataclass
class Hooks:
    """Observation points for tests, crash injection and metrics."""

    claimed: Callable[[Snipe], None] | None = None
    sent: Callable[[], None] | None = None
    step: StepHook | None = None


@dataclass
class Ready:
    """What a snipe needs to fire at once: a token, a warm connection, and the round trips of
    the probes sent on it (oldest first), from which the bid is aimed (sniper/executor/aim.py)."""

    requests: OfferRequests
    round_trips_ns: list[int] = field(default_factory=list)

    def lead_ns(self, snipe: Snipe, timing: Timing) -> int:
        """How long before its target the bid leaves: the estimated one-way latency."""
        return aim.send_lead_ns(
            self.round_trips_ns,
            offset_ns=round(snipe.offset_seconds * NS_PER_S),
            margin_ns=timing.send_margin_ms * NS_PER_MS,
            aim=aim.RECOMMENDED,
        )


@dataclass
class _Run:
    """One invocation's working state."""

    claim: Claim
    deadline_ns: int
    function_name: str
    fired_by: str
    ready: Ready | None = None
    timing: TimingReport | None = None
    placed_untold: bool = False

    @property
    def snipe(self) -> Snipe:
        return self.claim.snipe

    @property
    def close_ns(self) -> int:
        return instants.close_ns(self.snipe.auction_end_ms)

    @property
    def target_ns(self) -> int:
        return instants.target_ns(self.snipe.auction_end_ms, self.snipe.offset_seconds)

    @property
    def connection(self) -> WarmConnection | None:
        return self.ready.requests.connection if self.ready else None


@dataclass
class _Standby:
    """A standing-by invocation's preparation, kept for the takeover."""

    ready: Ready | None = None
    tried: bool = False
    connections: list[WarmConnection] = field(default_factory=list)


class _Handoff(Exception):
    """This invocation cannot wait long enough: hand the snipe to a fresh one."""


class BidExecutor:
    def __init__(
        self,
        *,
        snipes: SnipeStore,
        history: HistoryStore,
        notices: NoticeStore,
        tokens: EbayTokens,
        browse: ItemReader,
        connect: Callable[[], WarmConnection],
        notify: Dispatch,
        wake: Wake,
        redispatch: Callable[[str, SnipeDue], Awaitable[None]],
        clock: Clock | None = None,
        config: ExecutorConfig | None = None,
        hooks: Hooks | None = None,
        metrics: SniperMetrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.snipes = snipes
        self.history = history
        self.notices = notices
        self.tokens = tokens
        self.browse = browse
        self.connect = connect
        self.notify = notify
        self.wake = wake
        self.redispatch = redispatch
        self.clock = clock or SYSTEM_CLOCK
        self.config = config or ExecutorConfig()
        self.timing = self.config.timing
        self.hooks = hooks or Hooks()
        self._on_close: Callable[[], Awaitable[None]] | None = None

    def on_close(self, release: Callable[[], Awaitable[None]]) -> None:
        """What `close()` releases (what it was built with: its eBay and AWS clients)."""
        self._on_close = release

    async def close(self) -> None:
        if self._on_close is not None:
            await self._on_close()

    # ------------------------------------------------------------------ entry
    async def run(self, due: SnipeDue, context: Context) -> Result:
        deadline = (
            self.clock.now_ns()
            + context.get_remaining_time_in_millis() * NS_PER_MS
            - self.config.invocation_margin_ns
        )
        found = await peek(self.snipes, due.user_id, due.bid_id)
        if isinstance(found, Refusal):
            return Result(found.value)
        if found.is_terminal:
            await self._hand_over_owed(found)
            return Result.SETTLED
        target = instants.target_ns(found.auction_end_ms, found.offset_seconds)
        is_standby = due.role == "standby"
        wake = instants.run_wake_ns(target, self.timing, standby=is_standby)
        now = self.clock.now_ns()
        delay_s = instants.relay_delay_s(now, wake, self.timing, standby=is_standby)
        if delay_s is not None:
            await self.wake.later(due, delay_s)
            log.info("snipe %s: relayed to its wake, %d s from now", due.bid_id, delay_s)
            return Result.RELAYED
        if found.status == S.SCHEDULED and not self._fits(found, deadline):
            # Too little of this invocation is left to see the snipe through: a fresh one has.
            await self.redispatch(context.function_name, due)
            log.warning("snipe %s closes beyond this invocation: handed on", due.bid_id)
            return Result.HANDED_OFF
        owner = f"{context.aws_request_id}/{secrets.token_hex(4)}"
        standby = _Standby()
        try:
            while True:
                claimed = await acquire(
                    self.snipes, due.user_id, due.bid_id,
                    owner=owner, clock=self.clock, timing=self.timing,
                )  # fmt: skip
                if isinstance(claimed, Claim):
                    break
                if claimed is Refusal.GONE:
                    return Result.GONE
                if claimed is Refusal.HELD:
                    watched = await self._stand_by(due, deadline, standby)
                    if watched is not None:
                        return watched
                    continue
                settled = await peek(self.snipes, due.user_id, due.bid_id)
                if isinstance(settled, Snipe):
                    await self._hand_over_owed(settled)
                return Result.SETTLED
            return await self._run_claimed(claimed, due, context, deadline, standby.ready)
        finally:
            # A claimed run has closed the one it took over already (closing is idempotent); a
            # standby that never took over must close the one it got ready on too.
            for connection in standby.connections:
                await connection.close()

    async def _run_claimed(
        self,
        claimed: Claim,
        due: SnipeDue,
        context: Context,
        deadline: int,
        ready: Ready | None,
    ) -> Result:
        took_over = claimed.took_over
        log.info("snipe %s claimed (%s)", due.bid_id, claimed.snipe.status)
        if self.hooks.claimed is not None:
            self.hooks.claimed(claimed.snipe)
        fired_by = "takeover" if took_over else "primary"
        state = _Run(claimed, deadline, context.function_name, fired_by, ready=ready)
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
            # Let a standby (or Lambda's retry) take over at once instead of waiting it out.
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
        return instants.close_ns(snipe.auction_end_ms) + NS_PER_S <= deadline_ns

    async def _hand_over_owed(self, snipe: Snipe, *, at_once: bool = False) -> None:
        now_ms = self.clock.now_ns() // NS_PER_MS
        await settle.hand_over_owed(
            snipe,
            notices=self.notices,
            history=self.history,
            notify=self.notify,
            now_ms=now_ms + (settle.HAND_OVER_AFTER_MS if at_once else 0),
        )

    async def _see_told(self, snipe: Snipe) -> None:
        """A standby saw the holder settle the snipe: make sure the emails it owes reached the
        notifier (the holder may have died between its final write and the hand-off). Wait for
        the notifier's record of each, until the hand-over window has passed, then hand over
        what is still missing (the notifier is idempotent, so a late duplicate costs nothing)."""
        owed = set(snipe.notices_owed)
        hand_over_at_ms = snipe.updated_ms + settle.HAND_OVER_AFTER_MS
        while owed:
            recorded = await self.notices.states(snipe.user_id, snipe.bid_id)
            if owed <= set(recorded):
                return
            now_ms = self.clock.now_ns() // NS_PER_MS
            if now_ms >= hand_over_at_ms:
                await self._hand_over_owed(snipe)
                return
            await self.clock.sleep(min(1.0, (hand_over_at_ms - now_ms) / 1000))

    # ------------------------------------------------------------------ standing by
    async def _stand_by(self, due: SnipeDue, deadline_ns: int, standby: _Standby) -> Result | None:
        """Watch a live lease until it is abandoned (None: try to take over) or the snipe is
        settled; get ready to fire meanwhile, so a takeover near the instant loses no time."""
        while True:
            found = await peek(self.snipes, due.user_id, due.bid_id)
            if isinstance(found, Refusal):
                return Result(found.value)
            if found.is_terminal:
                await self._see_told(found)
                return Result.SETTLED
            now_ms = self.clock.now_ns() // NS_PER_MS
            if found.status == S.SCHEDULED or instants.abandoned(
                found.lease_expires_ms, now_ms, self.timing
            ):
                return None
            target = instants.target_ms(found.auction_end_ms, found.offset_seconds)
            if not standby.tried and now_ms * NS_PER_MS >= instants.prepare_ns(
                target * NS_PER_MS, self.timing
            ):
                standby.tried = True
                standby.ready = await self._get_ready(found, standby)
            wake_ms = now_ms + instants.watch_interval_ms(now_ms, target, self.timing)
            expires = found.lease_expires_ms
            if expires is not None and now_ms < expires + self.timing.takeover_skew_ms < wake_ms:
                wake_ms = expires + self.timing.takeover_skew_ms + 1
            if wake_ms * NS_PER_MS >= deadline_ns:
                log.info("snipe %s: standing by until this invocation's end", due.bid_id)
                return Result.HELD
            await self.clock.sleep(max(0, wake_ms * NS_PER_MS - self.clock.now_ns()) / NS_PER_S)

    async def _get_ready(self, snipe: Snipe, standby: _Standby) -> Ready | None:
        """A standby's preparation: best effort, it holds no lease and decides nothing."""
        try:
            token = await self.tokens.access_token(
                snipe.user_id, valid_until_ms=snipe.auction_end_ms + self.config.token_margin_ms
            )
            connection = self.connect()
            standby.connections.append(connection)
            requests = OfferRequests(connection, snipe, token)
            warm = await warm_up(requests, self.config.probes)
        except (EbayError, EbayLinkBroken, EbayLinkRequired, UpstreamUnavailable) as error:
            log.info("snipe %s: standby could not get ready (%s)", snipe.bid_id, error)
            return None
        if warm.unauthorized or not warm.round_trips_ns:
            return None
        return Ready(requests, list(warm.round_trips_ns))

    # ------------------------------------------------------------------ the flow
    async def _work(self, run: _Run) -> None:
        match run.snipe.status:
            case S.ARMED:
                await self._armed(run)
            case S.BIDDING:
                await self._bidding_taken_over(run)
            case S.PLACED:
                run.timing = run.snipe.shot  # the shot a predecessor fired, as it recorded it
                await self._settle(run, placed=True)
            case _:
                log.error("claimed %s in unexpected state %s", run.snipe.bid_id, run.snipe.status)

    async def _armed(self, run: _Run) -> None:
        if not instants.can_send(self.clock.now_ns(), 0, run.close_ns, self.timing):
            # Woken after the last instant a bid could still arrive: say so, do not guess.
            await self._finish(run, S.FAILED, FailureReason.EXECUTOR_LATE)
            return
        token = await self._token(run)
        if token is None:
            return
        skip = await resolve_group(
            run.claim, self.snipes, self.clock,
            give_up_ns=run.target_ns - round(self.timing.prepare_lead_s * NS_PER_S),
            poll_seconds=self.config.group_poll_s,
        )  # fmt: skip
        if skip is not None:
            await self._finish(run, S.SKIPPED, skip)
            return
        if not await self._check_auction(run):
            return
        ready = await self._ready(run, token)
        if ready is not None:
            await self._fire(run, ready, move_to_bidding=True)

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
        """FAILED TOKEN_REVOKED, and the user asked to link again when the link is broken (a
        refresh refused; not a fresh token refused twice, which may be eBay's passing fault)."""
        await self._finish(run, S.FAILED, FailureReason.TOKEN_REVOKED)
        user = await self.tokens.users.get(run.snipe.user_id)
        if user is not None and user.ebay_link is not None and user.ebay_link.broken:
            event = LinkNeedsRenewal(
                user_id=user.user_id,
                ebay_username=user.ebay_link.username,
                reason=RenewalReason.BROKEN,
                refresh_expires_ms=user.ebay_link.refresh_expires_ms,
                affected_bid_ids=(run.snipe.bid_id,),
            )
            try:
                await self.notify(event)
            except Exception:
                log.exception("could not ask %s to link eBay again", user.user_id)

    async def _before(self, deadline_ns: int, work: Awaitable[T]) -> T | None:
        """`work`, unless it is still running at `deadline_ns` (then None)."""
        left = max(0.05, (deadline_ns - self.clock.now_ns()) / NS_PER_S)
        try:
            return await asyncio.wait_for(work, timeout=left)
        except TimeoutError:
            return None

    async def _check_auction(self, run: _Run) -> bool:
        """Re-read the auction shortly before the instant; False when the snipe was finished."""
        await self._step(Step.WAITING, run.snipe)
        for _ in range(3):
            await run.claim.pause_until(instants.prepare_ns(run.target_ns, self.timing))
            snipe = run.snipe
            # A late start must not miss the instant for a slow re-read: bid on what we know.
            latest = instants.bidding_ns(run.target_ns, self.timing)
            try:
                item = await self._before(
                    latest,
                    self.browse.get_item(snipe.item_id, marketplace_id=snipe.marketplace_id),
                )
            except ItemNotFound:
                await self._finish(run, S.SKIPPED, SkipReason.AUCTION_ENDED_EARLY)
                return False
            except (EbayError, UpstreamUnavailable) as error:
                log.warning("could not re-read %s (%s); bidding anyway", snipe.item_id, error)
                return True
            if item is None:
                log.warning("re-reading %s took too long; bidding anyway", snipe.item_id)
                return True
            verdict = check_item(snipe, item, self.clock.now_ns() // NS_PER_MS)
            if verdict.late:
                await self._finish(run, S.FAILED, FailureReason.EXECUTOR_LATE)
                return False
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

    async def _ready(self, run: _Run, token: str) -> Ready | None:
        """What the shot goes out on: the standby's warm connection if it is still open, else a
        fresh one; None when the snipe was finished meanwhile."""
        ready = run.ready
        if ready is not None and ready.requests.connection.is_open:
            ready.requests.snipe = run.snipe
            ready.requests.use_token(token)
            return ready
        ready = await self._warm(run, token)
        if ready is not None:
            run.ready = ready
        return ready

    async def _warm(self, run: _Run, token: str) -> Ready | None:
        """Open and measure the connection; None when the snipe was finished meanwhile."""
        if run.ready is not None:
            await run.ready.requests.connection.close()
        requests = OfferRequests(self.connect(), run.snipe, token)
        run.ready = Ready(requests)  # so the connection is closed however this ends
        warm = await warm_up(requests, self.config.probes)
        if warm.unauthorized:
            try:
                requests.use_token(await self._refresh(run))
            except EbayLinkBroken:
                await self._link_broken(run)
                return None
            warm = await warm_up(requests, self.config.probes)
        return Ready(requests, list(warm.round_trips_ns))

    async def _refine_aim(self, run: _Run, ready: Ready, until_ns: int) -> None:
        """Probe every `PROBE_INTERVAL_S` until `until_ns`: each probe keeps the connection warm
        and adds a round trip, so the bid is aimed with recent, spread-out samples (probes sent
        back to back share their queueing; aim.py)."""
        interval_ns = round(PROBE_INTERVAL_S * NS_PER_S)
        while self.clock.now_ns() + interval_ns < until_ns:
            await run.claim.pause_until(self.clock.now_ns() + interval_ns)
            try:
                _, round_trip = await ready.requests.bidding()
            except (EbayError, UpstreamUnavailable):
                continue  # a failed probe costs its sample only
            ready.round_trips_ns.append(round_trip)

    async def _fire(
        self,
        run: _Run,
        ready: Ready,
        *,
        move_to_bidding: bool,
        max_attempts: int | None = None,
    ) -> None:
        claim = run.claim
        if move_to_bidding:
            provisional = instants.send_ns(run.target_ns, ready.lead_ns(run.snipe, self.timing))
            await self._refine_aim(run, ready, instants.bidding_ns(provisional, self.timing))
        latency_ns = ready.lead_ns(run.snipe, self.timing)
        send_at = max(instants.send_ns(run.target_ns, latency_ns), self.clock.now_ns())
        if move_to_bidding:
            await claim.pause_until(instants.bidding_ns(send_at, self.timing))
            await self._step(Step.BEFORE_FIRE, run.snipe)
            await claim.move(S.BIDDING)
            # Keep the connection warm across the write (and reopen it now if it went idle).
            with contextlib.suppress(EbayError):
                await ready.requests.bidding()
        send_at = max(send_at, self.clock.now_ns())
        await claim.pause_until(send_at - (self.timing.quiet_before_send_ms + 50) * NS_PER_MS)
        await claim.cover_shot(send_at)
        shot = await fire(
            ready.requests,
            clock=self.clock,
            send_at_ns=send_at,
            close_ns=run.close_ns,
            latency_ns=latency_ns,
            refresh_token=lambda: self._refresh(run),
            may_send=claim.holds,
            max_attempts=max_attempts or self.config.max_attempts,
            timing=self.timing,
            on_first_send=self.hooks.sent,
        )
        run.timing = self._report(run, shot, latency_ns)
        log.info(
            "snipe %s fired: %s after %d attempt(s)",
            run.snipe.bid_id,
            shot.verdict,
            shot.attempts,
        )
        await self._step(Step.SENT, run.snipe)
        await self._after_shot(run, shot)

    def _report(self, run: _Run, shot: FireResult, latency_ns: int) -> TimingReport:
        landed = shot.landed_attempt
        shown = shot.tries[landed - 1] if landed else (shot.tries[-1] if shot.tries else None)
        return TimingReport(
            auction_end_ns=run.close_ns,
            target_ns=run.target_ns,
            sent_ns=shown.sent_ns if shown else None,
            answered_ns=shown.answered_ns if shown else None,
            estimated_latency_ns=latency_ns,
            attempts=shot.attempts,
            tries=shot.tries,
            landed_attempt=landed,
            fired_by=run.fired_by,
        )

    async def _after_shot(self, run: _Run, shot: FireResult) -> None:
        match shot.verdict:
            case Verdict.PLACED:
                placed_ms = (
                    run.timing.answered_ns if run.timing and run.timing.answered_ns else None
                ) or self.clock.now_ns()
                await run.claim.move(
                    S.PLACED, notify=True, placed_ms=placed_ms // NS_PER_MS, shot=run.timing
                )
                await self._tell_placed(run)
                await self._settle(run, placed=True)
            case Verdict.UNKNOWN:
                log.warning("snipe %s: the bid's answer was lost; eBay will tell", run.snipe.bid_id)
                await self._settle(run, placed=False, failure=shot.reason)
            case Verdict.LOST:
                await self._finish(run, S.LOST, shot.reason)
            case Verdict.SKIPPED:
                await self._finish(run, S.SKIPPED, shot.reason)
            case Verdict.FAILED if shot.reason == FailureReason.TOKEN_REVOKED:
                await self._link_broken(run)
            case Verdict.FAILED:
                await self._finish(run, S.FAILED, shot.reason)

    async def _tell_placed(self, run: _Run) -> None:
        """The "bid placed" email: its failure must not stop the settle (it is retried there)."""
        try:
            await self.notify(settle.outcome_event(run.snipe, S.PLACED.value, run.timing))
        except UpstreamUnavailable:
            log.warning("snipe %s: the placed email will be handed over later", run.snipe.bid_id)
            run.placed_untold = True

    async def _bidding_taken_over(self, run: _Run) -> None:
        """A predecessor died in BIDDING: the bid may be on eBay. Ask before sending again."""
        token = await self._token(run)
        if token is None:
            return
        ready = await self._ready(run, token)
        if ready is None:
            return
        bidding, answered = await self._ask_bidding(ready)
        if answered and our_maximum_stands(bidding, run.snipe):
            log.info("snipe %s: our bid already stands; recording it", run.snipe.bid_id)
            run.timing = TimingReport(
                auction_end_ns=run.close_ns, target_ns=run.target_ns, fired_by="predecessor"
            )
            await run.claim.move(
                S.PLACED,
                notify=True,
                placed_ms=self.clock.now_ns() // NS_PER_MS,
                shot=run.timing,
            )
            await self._tell_placed(run)
            await self._settle(run, placed=True)
            return
        latency_ns = ready.lead_ns(run.snipe, self.timing)
        if not instants.can_send(self.clock.now_ns(), latency_ns, run.close_ns, self.timing):
            # Too late to send; whether the predecessor's bid landed, eBay says after the close.
            await self._settle(run, placed=False, failure=FailureReason.TOO_LATE)
            return
        # eBay shows no bid of ours (or cannot tell): send once more. The same maximum cannot
        # land twice (eBay keeps one maximum per bidder), and one try keeps the total polite.
        await self._fire(run, ready, move_to_bidding=False, max_attempts=1)

    async def _ask_bidding(self, ready: Ready) -> tuple[Any, bool]:
        try:
            bidding, _ = await ready.requests.bidding()
        except (EbayError, UpstreamUnavailable):
            return None, False
        return bidding, True

    async def _settle(self, run: _Run, *, placed: bool, failure: str | None = None) -> None:
        """After the close: eBay's record decides (WON/LOST, the final price; FAILED only when
        eBay shows no bid of ours)."""
        await run.claim.pause_until(instants.settle_ns(run.close_ns, self.timing))
        ready = run.ready
        if ready is None:
            token = await self._token_for_settle(run)
            ready = Ready(OfferRequests(self.connect(), run.snipe, token))
            run.ready = ready
        wanted = instants.settle_deadline_ns(run.close_ns, self.timing)
        give_up = min(wanted, run.deadline_ns)
        try:
            record = await settle.read_record(
                ready.requests, clock=self.clock, give_up_ns=give_up,
                refresh_token=lambda: self._refresh(run),
            )  # fmt: skip
        except EbayAppNotApproved:
            await self._finish(run, S.FAILED, FailureReason.EBAY_APP_NOT_APPROVED)
            return
        if record is None:
            if give_up < wanted:
                raise _Handoff  # out of time here, not out of patience
            await self._finish(run, S.FAILED, FailureReason.OUTCOME_UNKNOWN)
            return
        if placed or record.ours:
            if not placed and run.timing is not None:
                run.timing = _landed_by_elimination(run.timing)
            outcome = S.WON if record.won else S.LOST
            await self._finish(run, outcome, None, final_price=record.price)
            return
        await self._finish(run, S.FAILED, failure or FailureReason.EBAY_UNAVAILABLE)

    async def _token_for_settle(self, run: _Run) -> str:
        try:
            return await self.tokens.access_token(run.snipe.user_id)
        except (EbayLinkBroken, EbayLinkRequired):
            return ""  # getBidding will answer 401; the settle records OUTCOME_UNKNOWN

    async def _finish(
        self,
        run: _Run,
        outcome: SnipeStatus,
        reason: str | None,
        *,
        final_price: Money | None = None,
    ) -> None:
        timing = run.timing or TimingReport(auction_end_ns=run.close_ns, target_ns=run.target_ns)
        await self._step(Step.BEFORE_SETTLE_WRITE, run.snipe)
        final = await settle.finish(
            run.claim, self.history, self.notify, outcome,
            reason=reason, timing=timing, final_price=final_price,
            after_write=lambda final: self._step(Step.SETTLED, final),
            metrics=self.metrics,
        )  # fmt: skip
        if run.placed_untold:
            await self._hand_over_owed(final, at_once=True)


def _landed_by_elimination(timing: TimingReport) -> TimingReport:
    """eBay holds our bid and only one attempt could have placed it: that one landed."""
    import msgspec

    candidates = [i for i, t in enumerate(timing.tries, 1) if t.status is None or t.status >= 500]
    if len(candidates) != 1:
        return timing
    landed = timing.tries[candidates[0] - 1]
    return msgspec.structs.replace(
        timing,
        landed_attempt=candidates[0],
        sent_ns=landed.sent_ns,
        answered_ns=landed.answered_ns,
    )


def _spawn(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    return asyncio.ensure_future(coroutine)
