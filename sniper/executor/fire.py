"""Firing the bid: wait for the instant, send the pre-encoded placeProxyBid, retry politely.

Rules (docs/exactly-once.md):
- never send once the bid could no longer reach eBay before the close, nor once this invocation's
  lease has no safety left (both checked before every send);
- at most `MAX_ATTEMPTS` sends per invocation: eBay throttles, and can cut off, applications that
  hammer it, and a fault that outlasts three tries within the last seconds outlasts the auction;
- retries are spread over the time left before the last safe instant (at least `MIN_GAP_S`
  apart); a 429 is waited out as Retry-After says, or ends the shot when that leaves no time;
- an answer that never came (a timeout, a reset after the request was written) or a 5xx may hide
  a bid eBay applied: the shot is then UNKNOWN unless a later answer settles it, and eBay's own
  record after the close decides (settle.py), never our guess;
- sending the same maximum again is safe: eBay keeps one maximum per bidder, refuses to "lower"
  it (120010, read as our bid standing) and refuses one below the price (120008).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from sniper.clock import NS_PER_S, Clock
from sniper.domain import instants
from sniper.domain.errors import EbayLinkBroken
from sniper.domain.instants import Timing
from sniper.domain.snipe import FailureReason, SkipReason
from sniper.domain.timing_report import Attempt
from sniper.ebay.errors import (
    AuctionEnded,
    BidTooLow,
    CannotLowerBid,
    EbayAppNotApproved,
    EbayError,
    EbayUnavailable,
    EndedByBuyItNow,
    Unauthorized,
    error_from_response,
)
from sniper.ebay.wire import AnswerLost
from sniper.executor.claim import LeaseLost
from sniper.executor.prepare import OfferRequests
from sniper.executor.timing import wait_until

MAX_ATTEMPTS = 3
MIN_GAP_S = 0.1


class Verdict(enum.StrEnum):
    PLACED = "PLACED"
    LOST = "LOST"  # outbid before the snipe (eBay: bid too low)
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"  # a bid may have landed; ask eBay after the close


class FireResult(NamedTuple):
    verdict: Verdict
    reason: str | None  # for FAILED/SKIPPED/LOST, and for UNKNOWN: the failure if none landed
    tries: tuple[Attempt, ...]
    landed_attempt: int | None  # 1-based, when it is known which attempt eBay took

    @property
    def attempts(self) -> int:
        return len(self.tries)

    @property
    def uncertain(self) -> bool:
        return any(_uncertain(attempt) for attempt in self.tries)


def _uncertain(attempt: Attempt) -> bool:
    return attempt.status is None or attempt.status >= 500


def _only_uncertain(tries: list[Attempt]) -> int | None:
    """The 1-based index of the one attempt that may have landed, if there is exactly one."""
    candidates = [i for i, attempt in enumerate(tries, 1) if _uncertain(attempt)]
    return candidates[0] if len(candidates) == 1 else None


async def fire(
    requests: OfferRequests,
    *,
    clock: Clock,
    send_at_ns: int,
    close_ns: int,
    latency_ns: int,
    refresh_token: Callable[[], Awaitable[str]],
    may_send: Callable[[], bool],
    max_attempts: int = MAX_ATTEMPTS,
    timing: Timing = instants.DEFAULT,
    on_first_send: Callable[[], None] | None = None,
) -> FireResult:
    await wait_until(clock, send_at_ns)
    tries: list[Attempt] = []
    failure: str = FailureReason.TOO_LATE
    refreshed = False
    wait_s = 0.0  # at least this long before the next attempt (a Retry-After)

    def ended(verdict: Verdict, reason: str | None, landed: int | None = None) -> FireResult:
        if verdict in (Verdict.FAILED, Verdict.LOST) and any(_uncertain(t) for t in tries):
            # An earlier answer was lost: this refusal may be about a bid of ours that stands.
            return FireResult(Verdict.UNKNOWN, reason, tuple(tries), None)
        return FireResult(verdict, reason, tuple(tries), landed)

    def room_for(delay_s: float) -> bool:
        return instants.can_send(
            clock.now_ns() + round(delay_s * NS_PER_S), latency_ns, close_ns, timing
        )

    def gap_s() -> float:
        """Spread the attempts left over the time left before the last safe instant."""
        last_safe = close_ns - latency_ns - timing.send_margin_ms * 1_000_000
        left_s = (last_safe - clock.now_ns()) / NS_PER_S
        return max(MIN_GAP_S, wait_s, left_s / (max_attempts - len(tries) + 1))

    while len(tries) < max_attempts:
        if not instants.can_send(clock.now_ns(), latency_ns, close_ns, timing):
            break
        if not may_send():
            raise LeaseLost("the lease ran out before the send")  # a standby takes over
        try:
            response = await requests.connection.send(requests.place)
        except AnswerLost as lost:
            tries.append(Attempt(sent_ns=lost.sent_ns))
            failure = FailureReason.EBAY_UNAVAILABLE
        except EbayUnavailable:
            failure = FailureReason.EBAY_UNAVAILABLE  # could not even connect: nothing was sent
            if not room_for(MIN_GAP_S):
                break
            await clock.sleep(MIN_GAP_S)
            continue
        else:
            error = (
                None
                if 200 <= response.status < 300
                else error_from_response("offer", response.status, response.headers, response.body)
            )
            tries.append(
                Attempt(
                    sent_ns=response.sent_ns,
                    answered_ns=response.answered_ns,
                    status=response.status,
                    error_id=error.error_id if error is not None else None,
                )
            )
            match error:
                case None:
                    return ended(Verdict.PLACED, None, len(tries))
                case EbayUnavailable():
                    failure = FailureReason.EBAY_UNAVAILABLE
                    if error.retry_after_s is not None:
                        if not room_for(error.retry_after_s):
                            break
                        wait_s = error.retry_after_s
                case EbayAppNotApproved():
                    # The application, not the user: no retry, no refresh (eBay must approve it).
                    return ended(Verdict.FAILED, FailureReason.EBAY_APP_NOT_APPROVED)
                case Unauthorized() if not refreshed:
                    refreshed = True
                    try:
                        requests.use_token(await refresh_token())
                    except EbayLinkBroken:
                        return ended(Verdict.FAILED, FailureReason.TOKEN_REVOKED)
                    continue
                case Unauthorized():
                    return ended(Verdict.FAILED, FailureReason.TOKEN_REVOKED)
                case CannotLowerBid():
                    # Our maximum already stands: an earlier attempt whose answer was lost.
                    return FireResult(
                        Verdict.PLACED, None, tuple(tries), _only_uncertain(tries[:-1])
                    )
                case BidTooLow():
                    return ended(Verdict.LOST, f"OUTBID_BEFORE_SNIPE:{error.error_id}")
                case EndedByBuyItNow():
                    return FireResult(
                        Verdict.SKIPPED, SkipReason.ENDED_BY_BUY_IT_NOW, tuple(tries), None
                    )
                case AuctionEnded():
                    return ended(Verdict.FAILED, FailureReason.TOO_LATE)
                case EbayError():
                    return ended(Verdict.FAILED, f"{FailureReason.BID_REJECTED}:{error.error_id}")
        finally:
            if len(tries) == 1 and on_first_send is not None:
                on_first_send()
                on_first_send = None
        if len(tries) >= max_attempts:
            break
        gap = gap_s()
        if not room_for(gap):
            break
        await clock.sleep(gap)
        wait_s = 0.0
    if any(_uncertain(t) for t in tries):
        return FireResult(Verdict.UNKNOWN, failure, tuple(tries), None)
    return FireResult(Verdict.FAILED, failure, tuple(tries), None)
