"""Firing the bid: wait for the instant, send the pre-encoded placeProxyBid, retry while it helps.

Rules: never send once the bid could no longer reach eBay before the close (checked before every
send); retry a 5xx, a 429 or a dropped connection (the warm connection reconnects); a retry after
an answer we never read is safe because eBay refuses to "lower" a standing maximum (120010),
which is read as our bid standing. "Bid too low" (120008) means we were outbid before the snipe:
LOST, not FAILED.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NamedTuple

from sniper.domain.errors import EbayLinkBroken
from sniper.domain.snipe import FailureReason, SkipReason, SnipeStatus
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
from sniper.executor.prepare import OfferRequests
from sniper.executor.timing import NS_PER_MS, NS_PER_S, Clock, wait_until

# Do not send when the bid would arrive less than this before the close.
SEND_MARGIN_NS = 5 * NS_PER_MS
RETRY_BACKOFF_S = 0.02
S = SnipeStatus


class Shot(NamedTuple):
    outcome: SnipeStatus  # PLACED, LOST, SKIPPED or FAILED
    reason: str | None
    sent_ns: int | None
    answered_ns: int | None
    attempts: int


async def fire(
    requests: OfferRequests,
    *,
    clock: Clock,
    send_at_ns: int,
    close_ns: int,
    latency_ns: int,
    refresh_token: Callable[[], Awaitable[str]],
    on_sent: Callable[[], None] | None = None,
) -> Shot:
    await wait_until(clock, send_at_ns)
    attempts = 0
    sent_ns: int | None = None
    answered_ns: int | None = None
    failure: str = FailureReason.TOO_LATE
    refreshed = False

    def shot(outcome: SnipeStatus, reason: str | None) -> Shot:
        return Shot(outcome, reason, sent_ns, answered_ns, attempts)

    while True:
        if clock.now_ns() + latency_ns + SEND_MARGIN_NS >= close_ns:
            return shot(S.FAILED, failure)
        attempts += 1
        try:
            response = await requests.connection.send(requests.place)
        except EbayUnavailable:
            failure = FailureReason.EBAY_UNAVAILABLE
            await clock.sleep(RETRY_BACKOFF_S)
            continue
        sent_ns, answered_ns = response.sent_ns, response.answered_ns
        if on_sent is not None:
            on_sent()
        if 200 <= response.status < 300:
            return shot(S.PLACED, None)
        error = error_from_response("offer", response.status, response.headers, response.body)
        match error:
            case EbayUnavailable():
                failure = FailureReason.EBAY_UNAVAILABLE
                wait = error.retry_after_s if error.retry_after_s is not None else RETRY_BACKOFF_S
                left_s = (close_ns - clock.now_ns()) / NS_PER_S
                await clock.sleep(min(wait, max(0.0, left_s / 4)))
            case EbayAppNotApproved():
                return shot(S.FAILED, FailureReason.EBAY_APP_NOT_APPROVED)
            case Unauthorized() if not refreshed:
                refreshed = True
                try:
                    requests.use_token(await refresh_token())
                except EbayLinkBroken:
                    return shot(S.FAILED, FailureReason.TOKEN_REVOKED)
            case Unauthorized():
                return shot(S.FAILED, FailureReason.TOKEN_REVOKED)
            case CannotLowerBid():
                return shot(S.PLACED, None)  # our maximum already stands (an earlier attempt)
            case BidTooLow():
                return shot(S.LOST, f"OUTBID_BEFORE_SNIPE:{error.error_id}")
            case EndedByBuyItNow():
                return shot(S.SKIPPED, SkipReason.ENDED_BY_BUY_IT_NOW)
            case AuctionEnded():
                return shot(S.FAILED, FailureReason.TOO_LATE)
            case EbayError():
                return shot(S.FAILED, f"{FailureReason.BID_REJECTED}:{error.error_id}")
