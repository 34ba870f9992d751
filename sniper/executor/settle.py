"""Settling a snipe: learn the outcome from eBay, record it once, owe the user one email.

Order matters for retries (docs/exactly-once.md): the history entry first (idempotent), then the
snipe's final state together with the email it owes (one conditional write: only one invocation
gets there), then the hand-off to the notifier. Whoever later finds a final snipe whose owed
email has no SENT/SKIPPED record (a retry, a standby, a takeover) hands it over again; the
notifier is idempotent per snipe and outcome, so nothing is told twice and nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from sniper.clock import NS_PER_MS, NS_PER_S, Clock
from sniper.dispatch import Dispatch
from sniper.domain.errors import EbayLinkBroken, NotFound
from sniper.domain.history import HistoryEntry
from sniper.domain.money import Money
from sniper.domain.snipe import Snipe, SnipeStatus
from sniper.domain.timing_report import TimingReport
from sniper.ebay.errors import EbayAppNotApproved, EbayError, EbayUnavailable, Unauthorized
from sniper.events import Amount, SnipeOutcome
from sniper.executor.claim import Claim
from sniper.executor.prepare import OfferRequests, our_maximum_stands
from sniper.metrics import SniperMetrics
from sniper.services.ports.stores import HistoryStore, NoticeStore

log = logging.getLogger(__name__)
S = SnipeStatus
# Who finds a final snipe leaves its email to the invocation that settled it for this long: that
# one hands it over right after its write. Later (a crash in between), anyone hands it over:
# Lambda retries a crashed invocation after about a minute, well past this.
HAND_OVER_AFTER_MS = 15_000


class EbayRecord(NamedTuple):
    """What eBay's getBidding says after the close."""

    ended: bool
    ours: bool  # our maximum (or more) stands on the item
    won: bool
    price: Money | None


def amount(money: Money | None) -> Amount | None:
    return Amount(money.value, money.currency) if money is not None else None


def outcome_event(
    snipe: Snipe,
    outcome: str,
    timing: TimingReport | None = None,
    final_price: Money | None = None,
) -> SnipeOutcome:
    return SnipeOutcome(
        user_id=snipe.user_id,
        bid_id=snipe.bid_id,
        outcome=outcome,
        item_id=snipe.item_id,
        title=snipe.title,
        max_bid=Amount(snipe.max_bid.value, snipe.max_bid.currency),
        auction_end_ms=snipe.auction_end_ms,
        final_price=amount(final_price),
        reason=snipe.reason if outcome == snipe.status.value else None,
        item_web_url=snipe.item_web_url,
        target_ns=timing.target_ns if timing else None,
        sent_ns=timing.sent_ns if timing else None,
        answered_ns=timing.answered_ns if timing else None,
    )


async def read_record(
    requests: OfferRequests,
    *,
    clock: Clock,
    give_up_ns: int,
    refresh_token: Callable[[], Awaitable[str]],
) -> EbayRecord | None:
    """eBay's record of the auction once it says ENDED; None when eBay would not tell in time.

    "No bidding activity" (120033) is a record too: no bid of ours stands. An application eBay
    has not approved for bidding (403, errorId 1100) raises EbayAppNotApproved: it can know
    nothing, and the reason is the application's.
    """
    refreshed = False
    backoff_s = 0.25
    while True:
        try:
            bidding, _ = await requests.bidding()
        except Unauthorized:
            if refreshed:
                return None
            refreshed = True
            try:
                requests.use_token(await refresh_token())
            except EbayLinkBroken:
                return None
            continue
        except EbayUnavailable:
            bidding = None
        except EbayAppNotApproved:
            raise
        except EbayError as error:
            log.warning("eBay refused the bidding lookup: %s", error.message)
            return None
        else:
            if bidding is None:
                return EbayRecord(ended=True, ours=False, won=False, price=None)
            if bidding.ended:
                standing = our_maximum_stands(bidding, requests.snipe)
                return EbayRecord(True, standing, standing and bidding.won, bidding.current_price)
        if clock.now_ns() >= give_up_ns:
            return None
        await clock.sleep(min(backoff_s, max(0.0, (give_up_ns - clock.now_ns()) / NS_PER_S)))
        backoff_s = min(backoff_s * 2, 5.0)


async def finish(
    claim: Claim,
    history: HistoryStore,
    notify: Dispatch,
    outcome: SnipeStatus,
    *,
    reason: str | None,
    timing: TimingReport | None,
    final_price: Money | None = None,
    after_write: Callable[[Snipe], Awaitable[None]] | None = None,
    metrics: SniperMetrics | None = None,
) -> Snipe:
    """Record the final outcome: history entry, final state with the email owed, hand-off."""
    snipe = claim.snipe
    now_ms = claim.clock.now_ns() // NS_PER_MS
    entry = await history.record(
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
    # A retry after a crash between the entry and the move: the entry it finds is the truth.
    final = await claim.move(entry.outcome, reason=entry.reason, notify=True)
    if metrics is not None:
        metrics.snipe_settled(
            final.status, reason=final.reason, timing=entry.timing, bid_id=final.bid_id
        )
    if after_write is not None:
        await after_write(final)
    await notify(outcome_event(final, final.status.value, entry.timing, entry.final_price))
    return final


async def hand_over_owed(
    snipe: Snipe,
    *,
    notices: NoticeStore,
    history: HistoryStore,
    notify: Dispatch,
    now_ms: int,
) -> int:
    """Hand every email `snipe` owes and nobody has settled to the notifier; how many.

    Nothing while the snipe's last write is younger than HAND_OVER_AFTER_MS: its writer is
    handing the email over itself (the notifier would take a second hand-off in its stride,
    but every one is an invocation)."""
    if not snipe.notices_owed or now_ms - snipe.updated_ms < HAND_OVER_AFTER_MS:
        return 0
    done = await notices.done_outcomes(snipe.user_id, snipe.bid_id)
    owed = [outcome for outcome in snipe.notices_owed if outcome not in done]
    entry: HistoryEntry | None = None
    if snipe.is_terminal and snipe.status.value in owed:
        try:
            entry = await history.get(snipe.user_id, snipe.bid_id)
        except NotFound:
            entry = None
    for outcome in owed:
        final = entry if entry is not None and outcome == snipe.status.value else None
        await notify(
            outcome_event(
                snipe,
                outcome,
                final.timing if final else None,
                final.final_price if final else None,
            )
        )
    if owed:
        log.info("snipe %s: handed over %d owed email(s)", snipe.bid_id, len(owed))
    return len(owed)
