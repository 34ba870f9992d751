"""The stores in memory, with the rules DynamoDB enforces for sniper/storage:

- every write that depends on a read is conditional (a version, a claimant, absence), and a
  stale one fails (StaleWrite, Conflict) as DynamoDB's ConditionalCheckFailed does;
- reads are consistent, and return copies (what is stored is what went through the codec);
- listings are paged as DynamoDB pages: `limit` items are read before the filter applies (a page
  may be short, even empty, with a cursor), and a cursor is bound to the caller and the listing;
- the Bids table's partition holds a user's snipes and the records beside them (guards,
  Idempotency-Key answers, spent OAuth states, notices): deleting the snipes deletes them all;
- expiry is not relied on: an expired record stays until a condition that compares its expiry
  lets a new one replace it.

`interleave(write)` runs another writer's `write` just before one of this store's conditional
writes (the first queued before the next write, the second before the one after): the race a
read-modify-write must survive, or lose with a 409, never silently.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from sniper.domain.errors import Conflict, NotFound
from sniper.domain.history import HistoryEntry
from sniper.domain.snipe import Snipe
from sniper.domain.user import User
from sniper.services.ports.stores import (
    Guard,
    HistoryListing,
    HistoryStore,
    IdempotencyRecord,
    IdempotencyStore,
    LiveGuardStore,
    Notice,
    NoticeState,
    NoticeStore,
    Page,
    SnipeListing,
    SnipeStore,
    SpentStateStore,
    StaleWrite,
    StoredAnswer,
    UserStore,
)
from sniper.storage.codec import from_builtins, to_builtins
from sniper.storage.cursor import cursor_for, start_key

T = TypeVar("T")


def _copy(value: T) -> T:
    """What a round trip through the store gives back (a Struct the codec cannot store fails)."""
    return from_builtins(to_builtins(value), type(value))


class _Writes:
    """Other writers, each run just before one of this store's conditional writes."""

    def __init__(self) -> None:
        self._others: list[Callable[[], Awaitable[object]]] = []
        self._in_other = False
        self.count = 0

    def interleave(self, write: Callable[[], Awaitable[object]]) -> None:
        self._others.append(write)

    async def _before_write(self) -> None:
        self.count += 1
        if self._others and not self._in_other:  # the other writer's own writes just happen
            self._in_other = True
            try:
                await self._others.pop(0)()
            finally:
                self._in_other = False


def _page(
    user_id: str,
    listing: SnipeListing | HistoryListing,
    ordered: list[tuple[str, T]],
    keep: Callable[[T], bool],
) -> Page[T]:
    """A page as a DynamoDB query with `Limit` and a filter gives one: `ordered` is the index,
    (sort key, item); `limit` of them are read after the cursor's key, then filtered."""
    start, limit = start_key(user_id, listing.name, listing.cursor), listing.limit
    # Strictly after the key it stopped at, whether or not that item is still there.
    after = (
        0
        if start is None
        else next((i for i, (key, _) in enumerate(ordered) if key > start["sk"]["S"]), len(ordered))
    )
    read = ordered[after : after + limit]
    last = {"userId": {"S": user_id}, "sk": {"S": read[-1][0]}} if len(read) == limit else None
    kept = [_copy(item) for _, item in read if keep(item)]
    return Page(kept, cursor_for(user_id, listing.name, last))


class FakeUserStore(_Writes, UserStore):
    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, User] = {}

    async def get(self, user_id: str) -> User | None:
        user = self.items.get(user_id)
        return _copy(user) if user is not None else None

    async def create(self, user: User) -> User:
        await self._before_write()
        if user.user_id in self.items:
            raise Conflict("this user already exists")
        self.items[user.user_id] = _copy(user)
        return user

    async def save(self, user: User, *, expected_version: int) -> User:
        if user.version != expected_version + 1:
            raise ValueError("a saved user must be exactly one version ahead")
        await self._before_write()
        stored = self.items.get(user.user_id)
        if stored is None or stored.version != expected_version:
            raise StaleWrite("the profile changed meanwhile; read it again")
        self.items[user.user_id] = _copy(user)
        return user

    async def delete(self, user_id: str) -> bool:
        return self.items.pop(user_id, None) is not None

    async def ids_for_ebay_username(self, username: str) -> list[str]:
        return [
            user.user_id
            for user in self.items.values()
            if user.ebay_link is not None and user.ebay_link.username == username
        ]

    async def linked_users(self) -> AsyncIterator[User]:
        for user in list(self.items.values()):
            if user.ebay_link is not None:
                yield _copy(user)


class FakeBidsTable:
    """The Bids table: per user, what their partition holds, by (kind, name)."""

    def __init__(self) -> None:
        self.partitions: dict[str, dict[tuple[str, str], Any]] = {}

    def partition(self, user_id: str) -> dict[tuple[str, str], Any]:
        return self.partitions.setdefault(user_id, {})

    def of_kind(self, user_id: str, kind: str) -> dict[str, Any]:
        return {name: item for (k, name), item in self.partition(user_id).items() if k == kind}


class _BidsRecords(_Writes):
    """Records of one kind in the Bids table's partitions."""

    KIND = ""

    def __init__(self, table: FakeBidsTable) -> None:
        super().__init__()
        self.table = table


class FakeSnipeStore(_BidsRecords, SnipeStore):
    KIND = "snipe"

    def _stored(self, user_id: str) -> dict[str, Snipe]:
        return self.table.of_kind(user_id, self.KIND)

    def _by_auction_end(self, user_id: str) -> list[tuple[str, Snipe]]:
        """The byAuctionEnd index: by the close to the second, then by id."""
        snipes = sorted(
            self._stored(user_id).values(), key=lambda s: (s.auction_end_ms // 1000, s.bid_id)
        )
        return [(f"{s.auction_end_ms // 1000:012d}#{s.bid_id}", s) for s in snipes]

    async def create(self, snipe: Snipe) -> Snipe:
        await self._before_write()
        partition = self.table.partition(snipe.user_id)
        if (self.KIND, snipe.bid_id) in partition:
            raise Conflict("a snipe with this id already exists")
        partition[(self.KIND, snipe.bid_id)] = _copy(snipe)
        return snipe

    async def find(self, user_id: str, bid_id: str) -> Snipe | None:
        snipe = self._stored(user_id).get(bid_id)
        return _copy(snipe) if snipe is not None else None

    async def save(self, snipe: Snipe, *, expected_version: int) -> Snipe:
        if snipe.version != expected_version + 1:
            raise ValueError("a saved snipe must be exactly one version ahead")
        await self._before_write()
        stored = self._stored(snipe.user_id).get(snipe.bid_id)
        if stored is None or stored.version != expected_version:
            raise StaleWrite("the snipe changed meanwhile")
        self.table.partition(snipe.user_id)[(self.KIND, snipe.bid_id)] = _copy(snipe)
        return snipe

    async def list_for_user(self, user_id: str, listing: SnipeListing) -> Page[Snipe]:
        def keep(snipe: Snipe) -> bool:
            return not listing.statuses or snipe.status in listing.statuses

        return _page(user_id, listing, self._by_auction_end(user_id), keep)

    async def all_for_user(self, user_id: str) -> list[Snipe]:
        return [_copy(s) for _, s in self._by_auction_end(user_id)]

    async def ending_after(self, user_id: str, after_ms: int) -> list[Snipe]:
        after_s = after_ms // 1000
        return [s for s in await self.all_for_user(user_id) if s.auction_end_ms // 1000 >= after_s]

    async def in_group(self, user_id: str, group_id: str) -> list[Snipe]:
        return [
            s
            for s in await self.all_for_user(user_id)
            if s.group is not None and s.group.group_id == group_id
        ]

    async def delete_all_for_user(self, user_id: str) -> int:
        partition = self.table.partitions.pop(user_id, {})
        return sum(1 for kind, _ in partition if kind == self.KIND)


class FakeLiveGuardStore(_BidsRecords, LiveGuardStore):
    KIND = "live"

    async def claim(
        self, user_id: str, item_id: str, guard: Guard, *, expires_s: int, replacing: Guard | None
    ) -> Guard | None:
        await self._before_write()
        partition = self.table.partition(user_id)
        held: tuple[Guard, int] | None = partition.get((self.KIND, item_id))
        seen = replacing.holder_bid_id if replacing is not None else None
        if held is None or held[1] < guard.claimed_ms // 1000 or held[0].holder_bid_id == seen:
            partition[(self.KIND, item_id)] = (guard, expires_s)
            return None
        return held[0]

    async def get(self, user_id: str, item_id: str) -> Guard | None:
        held = self.table.partition(user_id).get((self.KIND, item_id))
        return held[0] if held is not None else None

    async def release(self, user_id: str, item_id: str, bid_id: str) -> None:
        await self._before_write()
        partition = self.table.partition(user_id)
        held = partition.get((self.KIND, item_id))
        if held is None or held[0].holder_bid_id != bid_id:
            raise Conflict("the guard has another holder")
        del partition[(self.KIND, item_id)]


class FakeIdempotencyStore(_BidsRecords, IdempotencyStore):
    KIND = "idempotency"

    async def claim(
        self, user_id: str, key: str, record: IdempotencyRecord, *, token: str, now_ms: int
    ) -> IdempotencyRecord | None:
        await self._before_write()
        partition = self.table.partition(user_id)
        held: tuple[IdempotencyRecord, str] | None = partition.get((self.KIND, key))
        if held is not None:
            expired = held[0].expires_s < now_ms // 1000
            abandoned = (
                held[0].fingerprint == record.fingerprint
                and held[0].answer is None
                and held[0].lease_until_ms < now_ms
            )
            if not (expired or abandoned):
                return _copy(held[0])
        partition[(self.KIND, key)] = (_copy(record), token)
        return None

    async def get(self, user_id: str, key: str) -> IdempotencyRecord | None:
        held = self.table.partition(user_id).get((self.KIND, key))
        return _copy(held[0]) if held is not None else None

    async def finish(self, user_id: str, key: str, token: str, answer: StoredAnswer) -> bool:
        await self._before_write()
        partition = self.table.partition(user_id)
        held = partition.get((self.KIND, key))
        if held is None or held[1] != token:
            return False
        partition[(self.KIND, key)] = (msgspec.structs.replace(held[0], answer=answer), token)
        return True

    async def release(self, user_id: str, key: str, token: str) -> None:
        await self._before_write()
        partition = self.table.partition(user_id)
        held = partition.get((self.KIND, key))
        if held is not None and held[1] == token:
            del partition[(self.KIND, key)]


class FakeSpentStateStore(_BidsRecords, SpentStateStore):
    KIND = "oauth-state"

    async def spend(self, user_id: str, nonce: str, expires_ms: int) -> bool:
        await self._before_write()
        partition = self.table.partition(user_id)
        if (self.KIND, nonce) in partition:
            return False
        partition[(self.KIND, nonce)] = expires_ms
        return True


class FakeNoticeStore(_BidsRecords, NoticeStore):
    KIND = "notice"

    async def get(self, user_id: str, bid_id: str, outcome: str) -> Notice | None:
        notice = self.table.partition(user_id).get((self.KIND, f"{bid_id}#{outcome}"))
        return _copy(notice) if notice is not None else None

    async def done_outcomes(self, user_id: str, bid_id: str) -> frozenset[str]:
        notices = self.table.of_kind(user_id, self.KIND).values()
        return frozenset(n.outcome for n in notices if n.bid_id == bid_id and n.done)

    async def states(self, user_id: str, bid_id: str) -> dict[str, NoticeState]:
        notices = self.table.of_kind(user_id, self.KIND).values()
        return {n.outcome: n.state for n in notices if n.bid_id == bid_id}

    async def claim(self, notice: Notice) -> Notice | None:
        await self._before_write()
        partition = self.table.partition(notice.user_id)
        key = (self.KIND, f"{notice.bid_id}#{notice.outcome}")
        if key in partition:
            return None
        partition[key] = _copy(notice)
        return notice

    async def replace(self, current: Notice, updated: Notice) -> Notice:
        await self._before_write()
        partition = self.table.partition(current.user_id)
        key = (self.KIND, f"{current.bid_id}#{current.outcome}")
        stored = partition.get(key)
        if stored is None or (stored.claimant, stored.state) != (current.claimant, current.state):
            raise StaleWrite("the notice changed meanwhile")
        partition[key] = _copy(updated)
        return updated


class FakeHistoryStore(_Writes, HistoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.partitions: dict[str, dict[str, HistoryEntry]] = {}

    async def record(self, entry: HistoryEntry) -> HistoryEntry:
        await self._before_write()
        partition = self.partitions.setdefault(entry.user_id, {})
        if entry.bid_id in partition:
            return _copy(partition[entry.bid_id])
        partition[entry.bid_id] = _copy(entry)
        return entry

    async def mark_emailed(self, user_id: str, bid_id: str, emailed_ms: int) -> None:
        await self._before_write()
        entry = self.partitions.get(user_id, {}).get(bid_id)
        if entry is not None and entry.emailed_ms is None:
            self.partitions[user_id][bid_id] = msgspec.structs.replace(entry, emailed_ms=emailed_ms)

    async def get(self, user_id: str, bid_id: str) -> HistoryEntry:
        entry = self.partitions.get(user_id, {}).get(bid_id)
        if entry is None:
            raise NotFound(f"no history for {bid_id}")
        return _copy(entry)

    async def list_for_user(self, user_id: str, listing: HistoryListing) -> Page[HistoryEntry]:
        def keep(entry: HistoryEntry) -> bool:
            after, before = listing.settled_from_ms, listing.settled_to_ms
            return (
                (not listing.outcomes or entry.outcome in listing.outcomes)
                and (after is None or entry.settled_ms >= after)
                and (before is None or entry.settled_ms <= before)
            )

        # Newest first: the index read backwards, so "after" the cursor means an older id.
        newest_first = sorted(self.partitions.get(user_id, {}).items(), reverse=True)
        keyed = [(_descending(bid_id), entry) for bid_id, entry in newest_first]
        return _page(user_id, listing, keyed, keep)

    async def delete_all_for_user(self, user_id: str) -> int:
        return len(self.partitions.pop(user_id, {}))


def _descending(key: str) -> str:
    """A sort key whose ascending order is `key`'s descending one."""
    return "".join(chr(0x10FFFF - ord(ch)) for ch in key)


class FakeStores:
    """Every store of one deployment, over one Bids table, as the functions share them."""

    def __init__(self) -> None:
        self.bids = FakeBidsTable()
        self.users = FakeUserStore()
        self.snipes = FakeSnipeStore(self.bids)
        self.guards = FakeLiveGuardStore(self.bids)
        self.idempotency = FakeIdempotencyStore(self.bids)
        self.spent_states = FakeSpentStateStore(self.bids)
        self.notices = FakeNoticeStore(self.bids)
        self.history = FakeHistoryStore()
