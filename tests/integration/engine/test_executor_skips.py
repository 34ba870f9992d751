"""Snipes that must not fire: ended by Buy It Now, price above the maximum, a revoked link, a
group that has its win. None of them reaches the simulator; each is recorded and told."""

from __future__ import annotations

from typing import Any

from sniper.domain.snipe import BidGroup, FailureReason, SkipReason, SnipeStatus
from sniper.events import SnipeDue
from sniper.executor.engine import Result
from tests.integration.engine.conftest import World, context, gather


async def test_ended_early_price_above_max_and_revoked_link_do_not_bid(
    world: World, make_executor: Any
) -> None:
    bin_user, pricey_user, revoked_user = await gather(
        world.linked_user("sniper_bin"),
        world.linked_user("sniper_pricey"),
        world.linked_user("sniper_revoked"),
    )
    a_bin, a_pricey, a_revoked = await gather(
        world.sim.auction(4.0, buyItNowPrice="50.00"),
        world.sim.auction(4.0),
        world.sim.auction(4.0),
    )
    s_bin = await world.snipe(bin_user, a_bin)
    s_pricey = await world.snipe(pricey_user, a_pricey)
    s_revoked = await world.snipe(revoked_user, a_revoked)
    await world.sim.call("POST", "/sim/users", {"username": "buyer"})
    await world.sim.call("POST", f"/sim/auctions/{a_bin['itemId']}/buy-it-now", {"buyer": "buyer"})
    await world.sim.rival(a_pricey["itemId"], "rival_a", "30.00")
    await world.sim.rival(a_pricey["itemId"], "rival_b", "28.00")  # price now 29.00
    await world.sim.call("POST", "/sim/users/sniper_revoked/revoke")

    executor = await make_executor()
    results = await gather(
        *(
            executor.run(SnipeDue(user_id=s.user_id, bid_id=s.bid_id), context(world.aws))
            for s in (s_bin, s_pricey, s_revoked)
        )
    )
    assert results == [Result.DONE] * 3

    expectations = (
        (s_bin, a_bin, SnipeStatus.SKIPPED, SkipReason.ENDED_BY_BUY_IT_NOW, "sniper_bin"),
        (s_pricey, a_pricey, SnipeStatus.SKIPPED, SkipReason.PRICE_ABOVE_MAX, "sniper_pricey"),
        (s_revoked, a_revoked, SnipeStatus.FAILED, FailureReason.TOKEN_REVOKED,
         "sniper_revoked"),
    )  # fmt: skip
    for snipe, auction, status, reason, username in expectations:
        assert await world.sim.bids(auction["itemId"], username) == []
        final = await world.settled(snipe)
        assert (final.status, final.reason) == (status, reason)
        entry = await world.history.get(snipe.user_id, snipe.bid_id)
        assert (entry.outcome, entry.reason) == (status, reason)
        assert world.functions.outcomes(snipe.bid_id) == [status.value]

    renewals = [
        e for e in world.functions.events_for("NotificationHandlerFunction")
        if e["type"] == "link.renewal"
    ]  # fmt: skip
    assert [(e["userId"], e["reason"], e["affectedBidIds"]) for e in renewals] == [
        (revoked_user, "broken", [s_revoked.bid_id])
    ]
    user = await world.users.require(revoked_user)
    assert user.ebay_link is not None and user.ebay_link.broken


async def test_a_group_of_two_stops_after_its_win(world: World, make_executor: Any) -> None:
    user = await world.linked_user("sniper_group")
    first, second = await gather(world.sim.auction(3.5), world.sim.auction(7.5))
    await world.sim.rival(first["itemId"], "rival_1", "20.00")
    await world.sim.rival(second["itemId"], "rival_2", "20.00")
    group = BidGroup(group_id="lenses", max_wins=1)
    s_first = await world.snipe(user, first, offset=1.0, group=group)
    s_second = await world.snipe(user, second, offset=1.0, group=group)

    executor = await make_executor()
    await gather(
        *(
            executor.run(SnipeDue(user_id=user, bid_id=s.bid_id), context(world.aws))
            for s in (s_first, s_second)
        )
    )

    assert (await world.settled(s_first)).status == SnipeStatus.WON
    second_final = await world.settled(s_second)
    assert (second_final.status, second_final.reason) == (
        SnipeStatus.SKIPPED,
        SkipReason.GROUP_ALREADY_WON,
    )
    assert await world.sim.bids(second["itemId"], "sniper_group") == []
    assert len(await world.sim.bids(first["itemId"], "sniper_group")) == 1
    assert world.functions.outcomes(s_second.bid_id) == ["SKIPPED"]
