"""The Bids table's records that are not snipes, and the sort keys that keep them apart.

Three kinds of short-lived record share the user's partition of the Bids table with the snipes:
live-snipe guards (one live snipe per item), Idempotency-Key answers, and spent OAuth states.
This table rather than a new one: the partition is the user's, so isolation is by key and
account deletion removes them with the snipes; the table already expires items on `ttl`; and
the functions that write them already hold CRUD on it (no new table, variable or grant).

What keeps them out of every snipe read: their sort keys start with "~", which no snipe id (a
ULID, [0-9A-Z]{26}) can, and they carry no `auctionEndTime`, so the sparse byAuctionEnd index,
which every listing, count and group read uses, never holds them. The reads that can meet one
are a read by key (SnipesRepository.get refuses these keys) and delete_partition (which deletes
them with the account, and counts only snipes).
"""

from __future__ import annotations

from typing import Final

SIDE_RECORD_MARK: Final = "~"


def side_key(kind: str, name: str) -> str:
    """The sort key of a side record: `~<kind>#<name>`."""
    return f"{SIDE_RECORD_MARK}{kind}#{name}"


def is_snipe_key(sort_key: str) -> bool:
    return not sort_key.startswith(SIDE_RECORD_MARK)
