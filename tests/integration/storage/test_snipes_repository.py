"""What only DynamoDB can show of the Bids table (the rules every store keeps are in
test_store_contracts.py): every field through the codec, the attributes the table's TTL and
index read, writes that really race, deletes past one batch."""

from __future__ import annotations

import asyncio

from sniper.domain.errors import Conflict
from sniper.domain.money import Money
from sniper.domain.snipe import BidGroup, SnipeStatus
from sniper.services.ports.stores import SnipeListing
from sniper.storage.snipes import SnipesRepository
from tests.factories import make_snipe, now_ms


async def test_create_then_get_round_trips_every_field(snipes_repo: SnipesRepository) -> None:
    snipe = make_snipe(group=BidGroup(group_id="cameras", max_wins=1), adult_only=True,
                       image_url="https://i.example/x.jpg", offset_seconds=2.5)  # fmt: skip
    await snipes_repo.create(snipe)
    assert await snipes_repo.get(snipe.user_id, snipe.bid_id) == snipe


async def test_concurrent_transitions_from_one_state_exactly_one_wins(
    snipes_repo: SnipesRepository,
) -> None:
    snipe = await snipes_repo.create(make_snipe())
    contenders = [
        snipe.moved_to(SnipeStatus.ARMED, now_ms=now_ms()),
        snipe.moved_to(SnipeStatus.CANCELLED, now_ms=now_ms()),
        snipe.moved_to(SnipeStatus.ARMED, now_ms=now_ms()),
        snipe.moved_to(SnipeStatus.SKIPPED, now_ms=now_ms(), reason="PRICE_ABOVE_MAX"),
    ]
    results = await asyncio.gather(
        *(snipes_repo.save(c, expected_version=snipe.version) for c in contenders),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, BaseException))
    stored = await snipes_repo.get(snipe.user_id, snipe.bid_id)
    assert stored == winners[0]


async def test_ttl_and_index_attributes_are_written(snipes_repo: SnipesRepository) -> None:
    snipe = await snipes_repo.create(make_snipe())
    raw = await snipes_repo.table.client.get_item(
        TableName=snipes_repo.table.name,
        Key={"userId": {"S": snipe.user_id}, "bidId": {"S": snipe.bid_id}},
    )
    item = raw["Item"]
    assert int(item["auctionEndTime"]["N"]) == snipe.auction_end_ms // 1000
    assert int(item["ttl"]["N"]) > snipe.auction_end_ms // 1000
    assert item["maxBid"]["M"] == {"value": {"S": "25.00"}, "currency": {"S": "USD"}}


async def test_delete_all_for_user_leaves_others(snipes_repo: SnipesRepository) -> None:
    for _ in range(30):  # more than one batch of 25
        await snipes_repo.create(make_snipe(user_id="alice"))
    bob = await snipes_repo.create(make_snipe(user_id="bob", max_bid=Money.parse("9.99", "USD")))
    assert await snipes_repo.delete_all_for_user("alice") == 30
    assert (await snipes_repo.list_for_user("alice", SnipeListing())).items == []
    assert await snipes_repo.get("bob", bob.bid_id) == bob
