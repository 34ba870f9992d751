"""The user's eBay watch list, ordered and paged here, each item with the user's snipe on it;
one item with the next bid eBay would take."""

from __future__ import annotations

import pytest

from sniper.domain.errors import EbayLinkRequired, InvalidInput, NotFound
from sniper.domain.money import Money
from sniper.ebay.errors import Unauthorized
from sniper.services.watchlist import Watchlist
from tests.factories import make_snipe
from tests.fakes.ebay import HOUR_MS, make_item, watched
from tests.fakes.world import World


@pytest.fixture
def watchlist(world: World) -> Watchlist:
    return Watchlist(
        users=world.stores.users,
        tokens=world.tokens,
        trading=world.ebay.accounts,
        browse=world.ebay.browse,
        snipes=world.stores.snipes,
        clock=world.clock,
    )


@pytest.fixture
async def watched_items(world: World) -> list[str]:
    await world.link_user("user-1", "ada_ebay")
    later = make_item(world.clock, "110000000001", item_end_ms=world.clock.now_ms + 3 * HOUR_MS)
    sooner = make_item(world.clock, "110000000002", item_end_ms=world.clock.now_ms + HOUR_MS)
    fixed = make_item(world.clock, "110000000003", buying_options=("FIXED_PRICE",))
    world.ebay.accounts.watch_lists["ada_ebay"] = [watched(i) for i in (fixed, later, sooner)]
    return [sooner.item_id, later.item_id, fixed.item_id]


async def test_auctions_first_soonest_first_paged_with_a_cursor(
    watchlist: Watchlist, watched_items: list[str], world: World
) -> None:
    snipe = await world.stores.snipes.create(
        make_snipe(user_id="user-1", item_id=watched_items[1], legacy_item_id="110000000001")
    )
    first = await watchlist.page("user-1", marketplace_id="EBAY_US", cursor=None, limit=2)
    rest = await watchlist.page(
        "user-1", marketplace_id="EBAY_US", cursor=first.next_cursor, limit=2
    )
    assert [e.item.item_id for e in first.entries + rest.entries] == watched_items
    assert (first.total, rest.next_cursor) == (3, None)
    assert [e.snipe.bid_id if e.snipe else None for e in first.entries] == [None, snipe.bid_id]


async def test_a_cursor_is_the_callers_for_that_marketplace(
    watchlist: Watchlist, watched_items: list[str], world: World
) -> None:
    first = await watchlist.page("user-1", marketplace_id="EBAY_US", cursor=None, limit=1)
    await world.link_user("user-2", "bob_ebay")
    for user, marketplace in (("user-2", "EBAY_US"), ("user-1", "EBAY_GB")):
        with pytest.raises(NotFound):
            await watchlist.page(
                user, marketplace_id=marketplace, cursor=first.next_cursor, limit=1
            )
    with pytest.raises(NotFound):
        await watchlist.page("user-1", marketplace_id="EBAY_US", cursor="not-a-cursor", limit=1)


async def test_an_unknown_site_is_refused_before_ebay_is_asked(
    watchlist: Watchlist, watched_items: list[str], world: World
) -> None:
    with pytest.raises(InvalidInput):
        await watchlist.page("user-1", marketplace_id="EBAY_XX", cursor=None, limit=10)
    assert not [call for call in world.ebay.accounts.calls if call[0] == "watch_list"]


async def test_a_refused_token_is_refreshed_once(
    watchlist: Watchlist, watched_items: list[str], world: World
) -> None:
    world.ebay.accounts.fail_next(Unauthorized("expired", status=401))
    page = await watchlist.page("user-1", marketplace_id="EBAY_US", cursor=None, limit=10)
    assert page.total == 3
    assert [call[0] for call in world.ebay.oauth.calls].count("refresh") == 1


async def test_nobody_linked_nothing_to_read(watchlist: Watchlist) -> None:
    with pytest.raises(EbayLinkRequired):
        await watchlist.page("stranger", marketplace_id="EBAY_US", cursor=None, limit=10)


async def test_one_item_with_the_next_bid_eBay_would_take(
    watchlist: Watchlist, world: World
) -> None:
    item = world.ebay.browse.put(make_item(world.clock))
    detail = await watchlist.item("user-1", item.legacy_item_id)
    assert not detail.ended and detail.next_minimum == Money.parse("10.50", "USD")
    world.clock.advance(ms=HOUR_MS)
    ended = await watchlist.item("user-1", item.item_id)
    assert ended.ended and ended.next_minimum is None
    with pytest.raises(NotFound):
        await watchlist.item("user-1", "110000000999")
