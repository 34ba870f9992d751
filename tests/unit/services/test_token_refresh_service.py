"""The daily upkeep of eBay links: refresh, warn once before a grant lapses, report a broken one
once, and never let one user's failure stop the others."""

from __future__ import annotations

import msgspec
import pytest

from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.snipe import SnipeStatus
from sniper.domain.user import RenewalReason
from sniper.events import LinkNeedsRenewal
from sniper.services.token_refresh import DAY_MS, TokenRefresh
from tests.factories import make_snipe
from tests.fakes.ebay import FakeOAuth
from tests.fakes.world import World


@pytest.fixture
def refresh(world: World) -> TokenRefresh:
    return TokenRefresh(
        world.stores.users,
        world.stores.snipes,
        world.tokens,
        world.dispatch,
        expiry_threshold_days=7,
        access_margin_seconds=3600,
        clock=world.clock,
    )


def _renewals(world: World) -> list[LinkNeedsRenewal]:
    return [e for e in world.dispatch.sent if isinstance(e, LinkNeedsRenewal)]


async def test_access_tokens_due_are_refreshed_others_left(
    refresh: TokenRefresh, world: World
) -> None:
    await world.link_user("user-1", "ada")
    world.clock.advance(ms=FakeOAuth.GRANT_MS - 3_600_000)  # within the hour's margin
    await world.link_user("user-2", "bob")  # fresh

    summary = await refresh.run()

    assert (summary.checked, summary.refreshed, summary.warned, summary.errors) == (2, 1, 0, 0)
    ada = (await world.stores.users.require("user-1")).ebay_link
    assert ada is not None and ada.access_expires_ms == world.clock.now_ms + FakeOAuth.GRANT_MS


async def test_a_grant_near_its_end_earns_one_warning(refresh: TokenRefresh, world: World) -> None:
    user = await world.link_user("user-1", "ada")
    assert user.ebay_link is not None
    lapses = user.ebay_link.refresh_expires_ms
    # Closing after the grant lapses: it would fail. Before: it still fires fine.
    doomed = make_snipe(user_id="user-1", auction_end_ms=lapses + DAY_MS)
    fine = make_snipe(user_id="user-1", auction_end_ms=lapses - DAY_MS)
    for snipe in (doomed, fine):
        await world.stores.snipes.create(snipe)
    world.clock.advance(ms=lapses - 7 * DAY_MS - world.clock.now_ms)

    first = await refresh.run()
    second = await refresh.run()

    assert (first.warned, second.warned) == (1, 0)
    (warning,) = _renewals(world)
    assert warning.reason == RenewalReason.EXPIRING and warning.affected_bid_ids == (doomed.bid_id,)
    link = (await world.stores.users.require("user-1")).ebay_link
    assert link is not None and link.renewal_notice == RenewalReason.EXPIRING


async def test_a_revoked_grant_breaks_the_link_and_is_reported_once(
    refresh: TokenRefresh, world: World
) -> None:
    await world.link_user("user-1", "ada")
    pending = make_snipe(user_id="user-1")
    done = make_snipe(user_id="user-1", status=SnipeStatus.WON)
    for snipe in (pending, done):
        await world.stores.snipes.create(snipe)
    for refresh_token in list(world.ebay.oauth.refreshable):
        world.ebay.oauth.revoke(refresh_token)
    world.clock.advance(ms=FakeOAuth.GRANT_MS)

    first = await refresh.run()
    second = await refresh.run()

    assert (first.broken, second.broken, first.errors) == (1, 0, 0)
    (report,) = _renewals(world)
    assert report.reason == RenewalReason.BROKEN and report.affected_bid_ids == (pending.bid_id,)
    link = (await world.stores.users.require("user-1")).ebay_link
    assert link is not None and link.broken and link.renewal_notice == RenewalReason.BROKEN
    # The snipes stay: linking again in time saves them.
    assert (await world.stores.snipes.get("user-1", pending.bid_id)).status == SnipeStatus.SCHEDULED


async def test_a_link_broken_elsewhere_is_reported_if_nobody_did(
    refresh: TokenRefresh, world: World
) -> None:
    await world.link_user("user-1", "ada")
    await world.tokens.mark_broken("user-1", "the executor met invalid_grant")
    assert (await refresh.run()).broken == 1
    assert (await refresh.run()).broken == 0
    assert len(_renewals(world)) == 1


async def test_one_users_failure_is_counted_and_the_others_go_on(
    refresh: TokenRefresh, world: World
) -> None:
    await world.link_user("user-1", "ada")
    await world.link_user("user-2", "bob")
    world.clock.advance(ms=FakeOAuth.GRANT_MS)
    world.ebay.oauth.fail_next(UpstreamUnavailable("eBay's token endpoint answered 503"))

    summary = await refresh.run()

    assert (summary.checked, summary.refreshed, summary.errors) == (2, 1, 1)
    assert len(summary.failed_user_ids) == 1


async def test_a_notice_about_a_replaced_link_is_not_noted_on_the_new_one(
    refresh: TokenRefresh, world: World
) -> None:
    user = await world.link_user("user-1", "ada")
    assert user.ebay_link is not None
    world.clock.advance(ms=user.ebay_link.refresh_expires_ms - 7 * DAY_MS - world.clock.now_ms)

    async def links_again() -> None:  # while the warning is being sent
        current = await world.stores.users.require("user-1")
        assert current.ebay_link is not None
        newer = msgspec.structs.replace(current.ebay_link, linked_ms=world.clock.now_ms)
        await world.stores.users.save(
            msgspec.structs.replace(current, ebay_link=newer, version=current.version + 1),
            expected_version=current.version,
        )

    world.stores.users.interleave(links_again)
    assert (await refresh.run()).warned == 1
    link = (await world.stores.users.require("user-1")).ebay_link
    assert link is not None and link.renewal_notice is None
    assert len(_renewals(world)) == 1
