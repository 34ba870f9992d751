"""Forgetting a user: schedules first, then snipes and what is kept beside them, history, the
eBay link and (when the user asks) the profile; each step safe to repeat."""

from __future__ import annotations

import pytest

from sniper.domain.snipe import SnipeStatus
from sniper.services.account_removal import AccountRemoval, RemovalReport
from sniper.services.ports.stores import Guard, HistoryListing
from tests.factories import make_history, make_snipe
from tests.fakes.world import World


@pytest.fixture
def removal(world: World) -> AccountRemoval:
    return AccountRemoval(
        world.stores.users,
        world.stores.snipes,
        world.stores.history,
        world.scheduler,
        clock=world.clock,
    )


@pytest.fixture
async def ada(world: World) -> str:
    await world.link_user("user-1", "ada_ebay")
    live = make_snipe(user_id="user-1")
    won = make_snipe(user_id="user-1", status=SnipeStatus.WON)
    for snipe in (live, won):
        await world.stores.snipes.create(snipe)
    await world.stores.history.record(make_history(won))
    guard = Guard(holder_bid_id=live.bid_id, claimed_ms=world.clock.now_ms)
    await world.stores.guards.claim("user-1", live.item_id, guard, expires_s=10**10, replacing=None)
    # Someone else's data stays.
    other = make_snipe(user_id="user-2")
    await world.stores.snipes.create(other)
    await world.stores.history.record(make_history(other))
    return "user-1"


async def test_deleting_the_account_removes_everything_of_it(
    removal: AccountRemoval, ada: str, world: World
) -> None:
    live = [s for s in await world.stores.snipes.all_for_user(ada) if not s.is_terminal]

    report = await removal.remove_account(ada)

    assert report == RemovalReport(
        profile_removed=True,
        ebay_link_removed=True,
        bids_removed=2,
        history_removed=1,
        schedules_removed=1,
    )
    assert world.scheduler.removed == [s.bid_id for s in live]
    assert await world.stores.users.get(ada) is None
    assert await world.stores.snipes.all_for_user(ada) == []
    assert world.stores.bids.partition(ada) == {}  # the guard went with the snipes
    assert len(await world.stores.snipes.all_for_user("user-2")) == 1
    assert (await world.stores.history.list_for_user("user-2", HistoryListing())).items


async def test_deleting_again_reports_zeros(removal: AccountRemoval, ada: str) -> None:
    await removal.remove_account(ada)
    assert await removal.remove_account(ada) == RemovalReport()


async def test_ebays_deletion_notice_keeps_the_profile(
    removal: AccountRemoval, ada: str, world: World
) -> None:
    report = await removal.remove_ebay_data(ada)
    assert report.ebay_link_removed and not report.profile_removed and report.bids_removed == 2
    user = await world.stores.users.require(ada)
    assert user.ebay_link is None
    assert (await removal.remove_ebay_data(ada)) == RemovalReport()
