"""The stores the services keep their state in, and the records only they hold.

What every implementation guarantees, as DynamoDB does for sniper/storage (and tests/fakes does
in memory, so a service that breaks a rule fails on the fake as it would deployed):
- reads are consistent: a read after a write sees it;
- a write that depends on what was read is conditional: `save(..., expected_version=n)` writes
  version n + 1 only while version n is stored, else StaleWrite; `create` only where nothing is;
- a listing is paged by an opaque cursor bound to the caller and the listing
  (sniper.services.opaque): another user's or another listing's cursor is not found; a page may
  come back short, even empty, with a cursor when the store stopped before the end (DynamoDB's
  Limit comes before its filter);
- expiry (DynamoDB's TTL) is never relied on: an expired record may still be there, so a
  condition that must not see it compares its expiry itself.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from typing import Generic, Protocol, TypeVar

import msgspec

from sniper.domain.errors import Conflict, NotFound
from sniper.domain.history import HistoryEntry
from sniper.domain.snipe import Snipe, SnipeStatus
from sniper.domain.user import User

T = TypeVar("T")


class StaleWrite(Conflict):
    """A conditional write found the item changed since it was read: read again and retry
    (sniper.services.optimistic)."""


class Page(Generic[T]):
    """One page of a listing and the cursor for the next (None on the last page)."""

    __slots__ = ("items", "next_cursor")

    def __init__(self, items: list[T], next_cursor: str | None) -> None:
        self.items = items
        self.next_cursor = next_cursor


class UserStore(Protocol):
    async def get(self, user_id: str) -> User | None: ...

    async def require(self, user_id: str) -> User:
        """The user, or NotFound."""
        user = await self.get(user_id)
        if user is None:
            raise NotFound("no such user")
        return user

    async def create(self, user: User) -> User:
        """Insert a new profile; Conflict if one exists."""
        ...

    async def save(self, user: User, *, expected_version: int) -> User:
        """Write `user` (version `expected_version` + 1) if `expected_version` is stored."""
        ...

    async def delete(self, user_id: str) -> bool:
        """Whether there was a profile to delete."""
        ...

    async def ids_for_ebay_username(self, username: str) -> list[str]: ...

    def linked_users(self) -> AsyncIterator[User]:
        """Every user with an eBay link."""
        ...


class SnipeListing(msgspec.Struct, frozen=True, kw_only=True):
    """Which of a user's snipes a page shows (soonest close first), and from where."""

    statuses: frozenset[SnipeStatus] | None = None
    cursor: str | None = None
    limit: int = 50

    @property
    def name(self) -> str:
        """What a cursor is bound to, besides its user: the filter it pages through."""
        return "bids:" + ",".join(sorted(self.statuses or ()))


class SnipeStore(Protocol):
    async def create(self, snipe: Snipe) -> Snipe:
        """Insert a new snipe; Conflict if its id is taken."""
        ...

    async def find(self, user_id: str, bid_id: str) -> Snipe | None: ...

    async def get(self, user_id: str, bid_id: str) -> Snipe:
        """The caller's snipe, or NotFound (another user's is simply not found)."""
        snipe = await self.find(user_id, bid_id)
        if snipe is None:
            raise NotFound(f"no snipe {bid_id}")
        return snipe

    async def save(self, snipe: Snipe, *, expected_version: int) -> Snipe:
        """Write the next version of an existing snipe if `expected_version` is stored."""
        ...

    async def list_for_user(self, user_id: str, listing: SnipeListing) -> Page[Snipe]: ...

    async def all_for_user(self, user_id: str) -> list[Snipe]: ...

    async def ending_after(self, user_id: str, after_ms: int) -> list[Snipe]:
        """The caller's snipes on auctions closing at or after `after_ms` (to the second)."""
        ...

    async def in_group(self, user_id: str, group_id: str) -> list[Snipe]: ...

    async def delete_all_for_user(self, user_id: str) -> int:
        """Delete the caller's snipes and every record kept beside them; how many snipes."""
        ...


class HistoryListing(msgspec.Struct, frozen=True, kw_only=True):
    """Which of a user's settled snipes a page shows (newest first), and from where."""

    outcomes: frozenset[SnipeStatus] | None = None
    settled_from_ms: int | None = None
    settled_to_ms: int | None = None
    cursor: str | None = None
    limit: int = 50

    @property
    def name(self) -> str:
        """What a cursor is bound to, besides its user: the filters it pages through."""
        outcomes = ",".join(sorted(self.outcomes or ()))
        return f"history:{outcomes}:{self.settled_from_ms}:{self.settled_to_ms}"


class HistoryStore(Protocol):
    async def record(self, entry: HistoryEntry) -> HistoryEntry:
        """Write the entry once; a second record of the snipe returns the first unchanged."""
        ...

    async def mark_emailed(self, user_id: str, bid_id: str, emailed_ms: int) -> None:
        """Note when the outcome's email went out (the first time counts; no entry: nothing)."""
        ...

    async def get(self, user_id: str, bid_id: str) -> HistoryEntry: ...

    async def list_for_user(self, user_id: str, listing: HistoryListing) -> Page[HistoryEntry]: ...

    async def delete_all_for_user(self, user_id: str) -> int: ...


class NoticeState(enum.StrEnum):
    SENDING = "SENDING"
    SENT = "SENT"
    SKIPPED = "SKIPPED"


class Notice(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The notifier's record of one outcome email: claimed (SENDING) by one invocation before it
    is sent, then SENT (Postmark took it) or SKIPPED (nothing to send)."""

    user_id: str
    bid_id: str
    outcome: str
    state: NoticeState
    claimant: str
    claimed_ms: int
    message_id: str | None = None
    done_ms: int | None = None

    @property
    def key(self) -> str:
        """What the email carries as Postmark metadata, to be found again after a lost answer."""
        return f"{self.bid_id}:{self.outcome}"

    @property
    def done(self) -> bool:
        return self.state in (NoticeState.SENT, NoticeState.SKIPPED)


class NoticeStore(Protocol):
    async def get(self, user_id: str, bid_id: str, outcome: str) -> Notice | None: ...

    async def done_outcomes(self, user_id: str, bid_id: str) -> frozenset[str]:
        """The outcomes of this snipe whose email is settled (sent, or nothing to send)."""
        ...

    async def states(self, user_id: str, bid_id: str) -> dict[str, NoticeState]:
        """Each outcome of this snipe the notifier has a record of, and where it stands."""
        ...

    async def claim(self, notice: Notice) -> Notice | None:
        """Record a new claim; None when a record exists already (read it with get)."""
        ...

    async def replace(self, current: Notice, updated: Notice) -> Notice:
        """Write `updated` while the record is still `current` (claimant and state), else
        StaleWrite."""
        ...


class Guard(msgspec.Struct, frozen=True, kw_only=True):
    """Which snipe holds a user's item (one live snipe per user and item), since when."""

    holder_bid_id: str
    claimed_ms: int


class LiveGuardStore(Protocol):
    async def claim(
        self, user_id: str, item_id: str, guard: Guard, *, expires_s: int, replacing: Guard | None
    ) -> Guard | None:
        """Make `guard` the item's where none is (or an expired one), or where the guard still
        names `replacing`'s holder. None when claimed, else the guard in the way."""
        ...

    async def get(self, user_id: str, item_id: str) -> Guard | None: ...

    async def release(self, user_id: str, item_id: str, bid_id: str) -> None:
        """Drop the guard if `bid_id` still holds it; Conflict if another does."""
        ...


class StoredAnswer(msgspec.Struct, frozen=True, kw_only=True):
    status: int
    body: str
    headers: dict[str, str]


class IdempotencyRecord(msgspec.Struct, frozen=True, kw_only=True):
    fingerprint: str
    lease_until_ms: int
    expires_s: int
    answer: StoredAnswer | None = None


class IdempotencyStore(Protocol):
    async def claim(
        self, user_id: str, key: str, record: IdempotencyRecord, *, token: str, now_ms: int
    ) -> IdempotencyRecord | None:
        """Store `record` for the request holding `token` where no record is, or an expired one,
        or an unanswered one of the same request whose lease ran out. None when taken; else the
        record that holds it."""
        ...

    async def get(self, user_id: str, key: str) -> IdempotencyRecord | None: ...

    async def finish(self, user_id: str, key: str, token: str, answer: StoredAnswer) -> bool:
        """Record the answer if `token` still holds the key; False if it lost it."""
        ...

    async def release(self, user_id: str, key: str, token: str) -> None:
        """Give the key up if `token` still holds it."""
        ...


class SpentStateStore(Protocol):
    async def spend(self, user_id: str, nonce: str, expires_ms: int) -> bool:
        """True for the first use of this OAuth state; False if it was spent before."""
        ...
