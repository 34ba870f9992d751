"""The snipe (the guide's "bid") and its state machine.

The allowed transitions are written down once, in `TRANSITIONS`; every state change goes through
`Snipe.moved_to`, and storage turns that into a conditional write on the version attribute.
"""

from __future__ import annotations

import enum
from typing import Final

import msgspec

from sniper.domain.errors import IllegalTransition, InvalidInput
from sniper.domain.money import Money
from sniper.domain.timing_report import TimingReport


class SnipeStatus(enum.StrEnum):
    SCHEDULED = "SCHEDULED"  # stored, a schedule will wake the executor
    ARMED = "ARMED"  # an executor holds the lease and is preparing
    BIDDING = "BIDDING"  # the bid may be on the wire: never send again without asking eBay
    PLACED = "PLACED"  # eBay accepted the proxy bid; waiting for the close
    WON = "WON"
    LOST = "LOST"
    CANCELLED = "CANCELLED"
    SKIPPED = "SKIPPED"  # deliberately not placed (see SkipReason)
    FAILED = "FAILED"  # could not be placed (see FailureReason)


class SkipReason(enum.StrEnum):
    PRICE_ABOVE_MAX = "PRICE_ABOVE_MAX"
    AUCTION_ENDED_EARLY = "AUCTION_ENDED_EARLY"
    ENDED_BY_BUY_IT_NOW = "ENDED_BY_BUY_IT_NOW"
    GROUP_ALREADY_WON = "GROUP_ALREADY_WON"
    GROUP_UNRESOLVED = "GROUP_UNRESOLVED"
    EBAY_LINK_BROKEN = "EBAY_LINK_BROKEN"


class FailureReason(enum.StrEnum):
    EBAY_UNAVAILABLE = "EBAY_UNAVAILABLE"  # 5xx / 429 / dropped until the close
    TOKEN_REVOKED = "TOKEN_REVOKED"  # noqa: S105 - invalid_grant: the user must link again
    NOT_LINKED = "NOT_LINKED"
    BID_REJECTED = "BID_REJECTED"  # eBay refused for a reason retrying cannot fix
    # 403 errorId 1100 from the Buy Offer API: eBay has not approved the application for bidding
    EBAY_APP_NOT_APPROVED = "EBAY_APP_NOT_APPROVED"
    TOO_LATE = "TOO_LATE"  # the bid could no longer reach eBay before the close
    EXECUTOR_LATE = "EXECUTOR_LATE"  # the executor arrived after the firing instant
    OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"  # placed, but eBay never told us the result
    INTERNAL = "INTERNAL"


S = SnipeStatus
TERMINAL: Final = frozenset({S.WON, S.LOST, S.CANCELLED, S.SKIPPED, S.FAILED})
_BEFORE_PLACEMENT: Final = frozenset({S.SCHEDULED, S.ARMED, S.BIDDING})

TRANSITIONS: Final[dict[SnipeStatus, frozenset[SnipeStatus]]] = {
    S.SCHEDULED: frozenset({S.ARMED, S.CANCELLED, S.SKIPPED, S.FAILED}),
    S.ARMED: frozenset({S.BIDDING, S.CANCELLED, S.SKIPPED, S.FAILED}),
    # LOST from BIDDING: eBay said "bid too low" (120008), i.e. we were outbid before firing.
    # WON/LOST from BIDDING: the bid's answer was lost; eBay's record after the close decides.
    S.BIDDING: frozenset({S.PLACED, S.WON, S.LOST, S.SKIPPED, S.FAILED}),
    S.PLACED: frozenset({S.WON, S.LOST, S.FAILED}),
    **{terminal: frozenset() for terminal in TERMINAL},
}
assert all(S.SKIPPED in TRANSITIONS[s] for s in _BEFORE_PLACEMENT)

EDITABLE: Final = frozenset({S.SCHEDULED})
CANCELLABLE: Final = frozenset(s for s, targets in TRANSITIONS.items() if S.CANCELLED in targets)

MIN_OFFSET_SECONDS: Final = 0.5
MAX_OFFSET_SECONDS: Final = 60.0
DEFAULT_OFFSET_SECONDS: Final = 3.0


def check_offset(offset_seconds: float, field: str = "offsetSeconds") -> float:
    if (
        isinstance(offset_seconds, bool)
        or not MIN_OFFSET_SECONDS <= offset_seconds <= MAX_OFFSET_SECONDS
    ):
        raise InvalidInput(
            f"offset must be between {MIN_OFFSET_SECONDS} and {MAX_OFFSET_SECONDS} seconds",
            field=field,
        )
    return float(offset_seconds)


class BidGroup(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """ "Win at most `max_wins` of these": snipes sharing a group id."""

    group_id: str
    max_wins: int = 1


class Snipe(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    user_id: str
    bid_id: str
    item_id: str  # RESTful form v1|<legacy>|<variation>
    legacy_item_id: str
    marketplace_id: str
    title: str
    max_bid: Money
    offset_seconds: float
    auction_end_ms: int
    status: SnipeStatus = S.SCHEDULED
    reason: str | None = None
    group: BidGroup | None = None
    image_url: str | None = None
    item_web_url: str | None = None
    adult_only: bool = False
    created_ms: int = 0
    updated_ms: int = 0
    version: int = 0
    # The executor's claim: whoever holds an unexpired lease is the only one allowed to act.
    lease_owner: str | None = None
    lease_expires_ms: int | None = None
    schedule_name: str | None = None
    placed_ms: int | None = None
    # The shot's timing, written with the move to PLACED: an invocation that takes a PLACED
    # snipe over settles it with the report of the shot it did not see.
    shot: TimingReport | None = None
    # Outcome emails owed (PLACED, WON, ...), written in the same conditional write as the state
    # they announce; whether each was sent is the notifier's record (docs/exactly-once.md).
    notices_owed: tuple[str, ...] = ()

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def fire_at_ms(self) -> int:
        """The instant the bid should arrive at eBay (before latency compensation)."""
        return self.auction_end_ms - round(self.offset_seconds * 1000)

    def can_move_to(self, target: SnipeStatus) -> bool:
        return target in TRANSITIONS[self.status]

    def moved_to(
        self, target: SnipeStatus, *, now_ms: int, reason: str | None = None, notify: bool = False
    ) -> Snipe:
        """The next version of this snipe in `target`; an illegal move is an error, never a no-op.

        `notify`: the move owes the user an email about it (recorded with the move itself)."""
        if not self.can_move_to(target):
            raise IllegalTransition(f"a {self.status} snipe cannot become {target}")
        if target in (S.SKIPPED, S.FAILED) and not reason:
            raise InvalidInput(f"moving to {target} needs a reason")
        owed = self.notices_owed
        if notify and target.value not in owed:
            owed = (*owed, target.value)
        return msgspec.structs.replace(
            self,
            status=target,
            reason=reason if reason is not None else self.reason,
            version=self.version + 1,
            updated_ms=now_ms,
            notices_owed=owed,
        )

    def edited(
        self, *, now_ms: int, max_bid: Money | None = None, offset_seconds: float | None = None
    ) -> Snipe:
        if self.status not in EDITABLE:
            raise IllegalTransition(f"a {self.status} snipe can no longer be changed")
        return msgspec.structs.replace(
            self,
            max_bid=max_bid if max_bid is not None else self.max_bid,
            offset_seconds=offset_seconds if offset_seconds is not None else self.offset_seconds,
            version=self.version + 1,
            updated_ms=now_ms,
        )
