"""The Bids table's records that are not snipes, and the sort keys that keep them apart.

Four kinds of short-lived record share the user's partition of the Bids table with the snipes:
live-snipe guards (one live snipe per item), Idempotency-Key answers, spent OAuth states, and
the notifier's record of each outcome email (sniper/storage/notices.py).
This table rather than a new one: the partition is the user's, so isolation is by key and
account deletion removes them with the snipes; the table already expires items on `ttl`; and
the functions that write them already hold CRUD on it (no new table, variable or grant).

What keeps them out of every snipe read: they carry no `auctionEndTime`, so the sparse
byAuctionEnd index, which every listing, count and group read uses, never holds them; and a
snipe's sort key is its id, a ULID (sniper.domain.ids), which theirs (`~<kind>#<name>`) never
is. The reads that can meet one are a read by key (SnipesRepository.get refuses any key that is
not a snipe id) and delete_partition (which deletes them with the account; only snipes count).
"""

from __future__ import annotations

from typing import Final

from sniper.domain.ids import is_id

SIDE_RECORD_MARK: Final = "~"


def side_key(kind: str, name: str) -> str:
    """The sort key of a side record: `~<kind>#<name>`."""
    return f"{SIDE_RECORD_MARK}{kind}#{name}"


def is_snipe_key(sort_key: str) -> bool:
    """A snipe's key is its id; anything else kept in the partition beside snipes is not one."""
    return is_id(sort_key)
