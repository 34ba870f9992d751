"""What only DynamoDB and KMS can show of the Users and BidHistory tables and the token vault
(the rules every store keeps are in test_store_contracts.py): every field through the codec, the
index and scan they read, the TTL attribute, the encryption bound to its user."""

from __future__ import annotations

import pytest

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


async def test_linked_users_lists_only_linked(users_repo: UsersRepository) -> None:
    linked = await users_repo.create(make_user(ebay_link=_link("someone")))
    await users_repo.create(make_user())
    assert [u.user_id async for u in users_repo.linked_users()] == [linked.user_id]


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
