"""Bid groups: "win at most N of these". A snipe fires only when the group still wants a win.

Snipes of a group are decided in closing order: a snipe waits until every earlier-closing
sibling is resolved, and is skipped once the group has its N wins. Pure rules first, then the
wait that polls the Bids table (DynamoDB offers nothing to wait on).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from sniper.clock import NS_PER_S, Clock
from sniper.domain.snipe import SkipReason, Snipe, SnipeStatus
from sniper.executor.claim import Claim
from sniper.services.ports.stores import SnipeStore


class GroupVerdict(enum.Enum):
    GO = "go"
    WAIT = "wait"  # an earlier-closing sibling is not resolved yet
    ALREADY_WON = "already_won"


def _closes_before(other: Snipe, snipe: Snipe) -> bool:
    return (other.auction_end_ms, other.bid_id) < (snipe.auction_end_ms, snipe.bid_id)


def group_verdict(snipe: Snipe, siblings: Sequence[Snipe]) -> GroupVerdict:
    if snipe.group is None:
        return GroupVerdict.GO
    others = [s for s in siblings if s.bid_id != snipe.bid_id]
    wins = sum(1 for s in others if s.status == SnipeStatus.WON)
    if wins >= snipe.group.max_wins:
        return GroupVerdict.ALREADY_WON
    if any(_closes_before(s, snipe) and not s.is_terminal for s in others):
        return GroupVerdict.WAIT
    return GroupVerdict.GO


async def resolve_group(
    claim: Claim,
    snipes: SnipeStore,
    clock: Clock,
    *,
    give_up_ns: int,
    poll_seconds: float = 0.5,
) -> SkipReason | None:
    """None when the snipe may fire; otherwise why it must be skipped."""
    snipe = claim.snipe
    if snipe.group is None:
        return None
    while True:
        siblings = await snipes.in_group(snipe.user_id, snipe.group.group_id)
        verdict = group_verdict(claim.snipe, siblings)
        if verdict is GroupVerdict.GO:
            return None
        if verdict is GroupVerdict.ALREADY_WON:
            return SkipReason.GROUP_ALREADY_WON
        now = clock.now_ns()
        if now >= give_up_ns:
            return SkipReason.GROUP_UNRESOLVED
        await claim.pause_until(min(give_up_ns, now + int(poll_seconds * NS_PER_S)))
