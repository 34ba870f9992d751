"""Settling a snipe: learn the outcome from eBay, record it once, tell the user.

Order matters for retries: the history entry first (idempotent), then the snipe's final state
(conditional: only one invocation gets there), then the notification. A retry after a crash
between the first two finds the entry and completes the move; once the snipe is final, nothing
runs again, so a user is never told twice about the same outcome (at worst, not at all, if the
process dies between the final write and the dispatch).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sniper.dispatch import Dispatch
from sniper.domain.errors import EbayLinkBroken
from sniper.domain.history import HistoryEntry, TimingReport
from sniper.domain.money import Money
from sniper.domain.snipe import FailureReason, Snipe, SnipeStatus
from sniper.ebay.errors import EbayAppNotApproved, EbayError, EbayUnavailable, Unauthorized
from sniper.events import Amount, SnipeOutcome
from sniper.executor.claim import Claim
from sniper.executor.prepare import OfferRequests
from sniper.executor.timing import NS_PER_MS, NS_PER_S, Clock
from sniper.metrics import SniperMetrics
from sniper.storage.history import HistoryRepository

log = logging.getLogger(__name__)
S = SnipeStatus


def amount(money: Money | None) -> Amount | None:
    return Amount(money.value, money.currency) if money is not None else None


def outcome_event(
    snipe: Snipe, timing: TimingReport | None, final_price: Money | None = None
) -> SnipeOutcome:
    return SnipeOutcome(
        user_id=snipe.user_id,
        bid_id=snipe.bid_id,
        outcome=snipe.status.value,
        item_id=snipe.item_id,
        title=snipe.title,
        max_bid=Amount(snipe.max_bid.value, snipe.max_bid.currency),
        auction_end_ms=snipe.auction_end_ms,
        final_price=amount(final_price),
        reason=snipe.reason,
        item_web_url=snipe.item_web_url,
        target_ns=timing.target_ns if timing else None,
        sent_ns=timing.sent_ns if timing else None,
        answered_ns=timing.answered_ns if timing else None,
    )


async def tell(notify: Dispatch, event: SnipeOutcome) -> None:
    """Hand the outcome to the notification handler; a failure there must not undo the outcome."""
    try:
        await notify(event)
    except Exception:
        log.exception(
            "could not hand the %s outcome of %s to the notifier", event.outcome, event.bid_id
        )


async def read_outcome(
    requests: OfferRequests,
    *,
    clock: Clock,
    give_up_ns: int,
    refresh_token: Callable[[], Awaitable[str]],
) -> tuple[SnipeStatus, Money | None, str | None]:
    """WON or LOST with the final price, once eBay says the auction ENDED (or FAILED unknown)."""
    refreshed = False
    backoff_s = 0.25
    while True:
        try:
            bidding, _ = await requests.bidding()
        except EbayAppNotApproved:
            return S.FAILED, None, FailureReason.EBAY_APP_NOT_APPROVED
        except Unauthorized:
            if refreshed:
                return S.FAILED, None, FailureReason.OUTCOME_UNKNOWN
            refreshed = True
            try:
                requests.use_token(await refresh_token())
            except EbayLinkBroken:
                return S.FAILED, None, FailureReason.OUTCOME_UNKNOWN
            continue
        except EbayUnavailable:
            bidding = None
        except EbayError as error:
            log.warning("eBay refused the bidding lookup: %s", error.message)
            return S.FAILED, None, FailureReason.OUTCOME_UNKNOWN
        if bidding is not None and bidding.ended:
            return (S.WON if bidding.won else S.LOST), bidding.current_price, None
        if clock.now_ns() >= give_up_ns:
            return S.FAILED, None, FailureReason.OUTCOME_UNKNOWN
        await clock.sleep(min(backoff_s, max(0.0, (give_up_ns - clock.now_ns()) / NS_PER_S)))
        backoff_s = min(backoff_s * 2, 5.0)


async def finish(
    claim: Claim,
    history: HistoryRepository,
    notify: Dispatch,
    outcome: SnipeStatus,
    *,
    reason: str | None,
    timing: TimingReport | None,
    final_price: Money | None = None,
    after_write: Callable[[Snipe], Awaitable[None]] | None = None,
    metrics: SniperMetrics | None = None,
) -> Snipe:
    """Record the final outcome: history entry, final state, metrics, notification."""
    snipe = claim.snipe
    now_ms = claim.clock.now_ns() // NS_PER_MS
    await history.record(
        HistoryEntry(
            user_id=snipe.user_id,
            bid_id=snipe.bid_id,
            item_id=snipe.item_id,
            title=snipe.title,
            marketplace_id=snipe.marketplace_id,
            max_bid=snipe.max_bid,
            outcome=outcome,
            auction_end_ms=snipe.auction_end_ms,
            settled_ms=now_ms,
            final_price=final_price,
            reason=reason,
            timing=timing,
            group_id=snipe.group.group_id if snipe.group else None,
        )
    )
    final = await claim.move(outcome, reason=reason)
    if metrics is not None:
        metrics.snipe_settled(outcome, reason=reason, timing=timing, bid_id=snipe.bid_id)
    if after_write is not None:
        await after_write(final)
    await tell(notify, outcome_event(final, timing, final_price))
    return final
