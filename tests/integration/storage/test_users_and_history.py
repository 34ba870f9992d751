"""Users and BidHistory repositories, and the KMS token vault, against moto server."""

from __future__ import annotations

import pytest

from sniper.domain.errors import Conflict, NotFound
from sniper.domain.ids import new_id
from sniper.domain.snipe import SnipeStatus
from sniper.domain.user import EbayLink, NotificationChoices, Preferences
from sniper.storage.history import HistoryRepository
from sniper.storage.users import UsersRepository
from sniper.vault import TokenUnreadable, TokenVault
from tests.factories import make_history, make_snipe, make_user, now_ms

ACCESS_TOKEN = "v^1.1#i^1#access-" + "x" * 1800  # eBay's tokens run to ~2 KB


def _link(username: str = "ebay_alice") -> EbayLink:
    return EbayLink(
        username=username,
        scopes=("https://api.ebay.com/oauth/api_scope/buy.offer.auction",),
        access_token_ciphertext=b"\x01\x02",
        access_expires_ms=now_ms() + 7_200_000,
        refresh_token_ciphertext=b"\x03\x04",
        refresh_expires_ms=now_ms() + 10**10,
        linked_ms=now_ms(),
    )


async def test_user_round_trip_with_preferences_and_link(users_repo: UsersRepository) -> None:
    user = make_user(
        preferences=Preferences(default_offset_seconds=4.5,
                                notifications=NotificationChoices(placed=True, lost=False)),
        ebay_link=_link(),
    )  # fmt: skip
    await users_repo.create(user)
    assert await users_repo.get(user.user_id) == user
    assert await users_repo.ids_for_ebay_username("ebay_alice") == [user.user_id]


async def test_user_create_twice_conflicts_and_stale_save_conflicts(
    users_repo: UsersRepository,
) -> None:
    user = await users_repo.create(make_user())
    with pytest.raises(Conflict):
        await users_repo.create(user)
    import msgspec

    renamed = msgspec.structs.replace(user, name="New", version=user.version + 1)
    await users_repo.save(renamed, expected_version=user.version)
    stale = msgspec.structs.replace(user, name="Stale", version=user.version + 1)
    with pytest.raises(Conflict):
        await users_repo.save(stale, expected_version=user.version)
    assert (await users_repo.require(user.user_id)).name == "New"


async def test_missing_user_and_delete(users_repo: UsersRepository) -> None:
    assert await users_repo.get("nobody") is None
    with pytest.raises(NotFound):
        await users_repo.require("nobody")
    user = await users_repo.create(make_user())
    assert await users_repo.delete(user.user_id) is True
    assert await users_repo.delete(user.user_id) is False


async def test_linked_users_lists_only_linked(users_repo: UsersRepository) -> None:
    linked = await users_repo.create(make_user(ebay_link=_link("someone")))
    await users_repo.create(make_user())
    assert [u.user_id async for u in users_repo.linked_users()] == [linked.user_id]


async def test_history_records_once_and_lists_newest_first(
    history_repo: HistoryRepository,
) -> None:
    # Ids sort by creation millisecond; make the three distinct.
    snipes = [make_snipe(bid_id=new_id(now_ms() + i)) for i in range(3)]
    entries = [make_history(s, settled_ms=now_ms() + i) for i, s in enumerate(snipes)]
    for entry in entries:
        await history_repo.record(entry)
    # A retried settle must not overwrite the first record.
    import msgspec

    again = msgspec.structs.replace(entries[0], outcome=SnipeStatus.LOST)
    assert await history_repo.record(again) == entries[0]
    page = await history_repo.list_for_user("user-1")
    assert [e.bid_id for e in page.items] == [s.bid_id for s in reversed(snipes)]
    assert await history_repo.get("user-1", snipes[1].bid_id) == entries[1]


async def test_history_filters_and_cursor_scope(history_repo: HistoryRepository) -> None:
    won = make_history(make_snipe(), outcome=SnipeStatus.WON, settled_ms=1_000)
    lost = make_history(make_snipe(), outcome=SnipeStatus.LOST, settled_ms=2_000)
    for entry in (won, lost):
        await history_repo.record(entry)
    by_outcome = await history_repo.list_for_user("user-1", outcomes=frozenset({SnipeStatus.LOST}))
    assert [e.bid_id for e in by_outcome.items] == [lost.bid_id]
    by_date = await history_repo.list_for_user("user-1", settled_to_ms=1_500)
    assert [e.bid_id for e in by_date.items] == [won.bid_id]
    first = await history_repo.list_for_user("user-1", limit=1)
    assert first.next_cursor is not None
    with pytest.raises(NotFound):
        await history_repo.list_for_user("user-2", cursor=first.next_cursor)
    with pytest.raises(NotFound):
        await history_repo.get("user-2", won.bid_id)
    assert await history_repo.delete_all_for_user("user-1") == 2


async def test_history_ttl_is_written(history_repo: HistoryRepository) -> None:
    entry = await history_repo.record(make_history(make_snipe()))
    raw = await history_repo.table.client.get_item(
        TableName=history_repo.table.name,
        Key={"userId": {"S": entry.user_id}, "historyId": {"S": entry.bid_id}},
    )
    assert int(raw["Item"]["ttl"]["N"]) > entry.settled_ms // 1000


async def test_tokens_round_trip_through_kms(token_vault: TokenVault) -> None:
    sealed = await token_vault.seal("alice", ACCESS_TOKEN)
    assert ACCESS_TOKEN.encode() not in sealed
    assert await token_vault.open("alice", sealed) == ACCESS_TOKEN


async def test_a_token_sealed_for_one_user_cannot_be_opened_as_another(
    token_vault: TokenVault,
) -> None:
    sealed = await token_vault.seal("alice", ACCESS_TOKEN)
    with pytest.raises(TokenUnreadable):
        await token_vault.open("mallory", sealed)
