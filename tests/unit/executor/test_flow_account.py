"""The executor's flow against the user's eBay link and our application's standing with eBay, on
virtual time: no link, a broken or revoked link (the user is asked to link again), an access
token refreshed on the way, eBay's token service down, and an application eBay has not approved
for bidding."""

from __future__ import annotations

from sniper.clock import NS_PER_MS, NS_PER_S
from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.snipe import FailureReason
from sniper.domain.snipe import SnipeStatus as S
from sniper.domain.user import RenewalReason
from tests.fakes.offer_wire import unauthorized
from tests.fakes.virtual_time import run_virtual
from tests.unit.executor.stage import USER_ID, USERNAME, Stage


def _refreshes(stage: Stage) -> int:
    return sum(1 for call in stage.world.ebay.oauth.calls if call[0] == "refresh")


def test_a_user_without_an_ebay_link_fails_not_linked() -> None:
    async def main() -> None:
        stage = await Stage.build(linked=False)
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.NOT_LINKED)
        assert stage.market.log == []
        assert stage.renewals() == []
        assert stage.emails() == ["failed"]

    run_virtual(main())


def test_a_broken_link_fails_token_revoked_and_asks_the_user_to_link_again() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await stage.world.tokens.mark_broken(USER_ID, "invalid_grant")
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.TOKEN_REVOKED)
        assert stage.market.log == []
        [renewal] = stage.renewals()
        assert (renewal.ebay_username, renewal.reason) == (USERNAME, RenewalReason.BROKEN)
        assert renewal.affected_bid_ids == (stage.snipe.bid_id,)
        assert stage.outcomes() == ["FAILED"]
        assert sorted(stage.emails()) == ["failed", "link-broken"]

    run_virtual(main())


def test_a_renewal_request_the_notifier_refused_does_not_undo_the_outcome() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await stage.world.tokens.mark_broken(USER_ID, "invalid_grant")
        stage.notify.refuse_next("LinkNeedsRenewal")
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.TOKEN_REVOKED)
        assert stage.renewals() == []
        assert stage.emails() == ["failed"]  # the outcome is still told

    run_virtual(main())


def test_access_revoked_at_ebay_is_found_by_the_probes_and_fails_token_revoked() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.revoke_link()
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.TOKEN_REVOKED)
        # The probes were refused 401, the refresh invalid_grant: no bid was tried.
        assert {a.status for a in stage.market.requests("probe")} == {401}
        assert stage.market.requests("place") == []
        assert _refreshes(stage) == 1
        user = await stage.stores.users.require(USER_ID)
        assert user.ebay_link is not None and user.ebay_link.broken
        [renewal] = stage.renewals()
        assert renewal.affected_bid_ids == (stage.snipe.bid_id,)
        assert stage.outcomes() == ["FAILED"]

    run_virtual(main())


def test_an_access_token_ebay_forgot_is_refreshed_at_the_probes_and_the_bid_goes_out() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.forget_tokens(USERNAME)
        await stage.run()

        assert (await stage.stored()).status == S.WON
        assert _refreshes(stage) == 1
        [bid] = stage.bids()
        assert bid.status == 200 and bid.username == USERNAME  # on the fresh token
        assert stage.renewals() == []

    run_virtual(main())


def test_an_access_token_expiring_before_the_close_is_refreshed_before_the_flow() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # Valid now, but not until the settle after the close.
        await stage.expire_access(at_ms=stage.close_ns // NS_PER_MS)
        await stage.run()

        assert _refreshes(stage) == 1
        assert (await stage.stored()).status == S.WON
        assert {a.status for a in stage.market.requests()} == {200, 404}  # no 401 anywhere

    run_virtual(main())


def test_the_token_service_down_for_a_while_is_retried_each_second() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await stage.expire_access(at_ms=stage.close_ns // NS_PER_MS)
        stage.world.ebay.oauth.fail_next(*[UpstreamUnavailable("eBay OAuth is down")] * 3)
        await stage.run()

        assert _refreshes(stage) == 4
        assert (await stage.stored()).status == S.WON
        assert len(stage.applied()) == 1

    run_virtual(main())


def test_the_token_service_down_until_the_instant_fails_ebay_unavailable() -> None:
    async def main() -> None:
        stage = await Stage.build()
        await stage.expire_access(at_ms=stage.close_ns // NS_PER_MS)
        stage.world.ebay.oauth.fail_next(*[UpstreamUnavailable("eBay OAuth is down")] * 100)
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.EBAY_UNAVAILABLE)
        # Once a second from the wake (target - 15 s) until 2 s before the target.
        assert _refreshes(stage) == 14
        # It gave up 2 s before the target (too late to prepare a bid), not at the close.
        give_up_ms = (stage.target_ns - 2 * NS_PER_S) // NS_PER_MS
        assert abs((await stage.entry()).settled_ms - give_up_ms) < 100
        assert stage.market.log == []
        assert stage.emails() == ["failed"]

    run_virtual(main())


def test_a_bid_refused_401_is_sent_again_on_a_refreshed_token() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.fail("place", unauthorized())
        await stage.run()

        first, second = stage.bids()
        assert (first.status, second.status) == (401, 200)
        assert first.token != second.token
        assert _refreshes(stage) == 1
        entry = await stage.entry()
        assert entry.outcome == S.WON
        assert entry.timing is not None
        assert (entry.timing.attempts, entry.timing.landed_attempt) == (2, 2)

    run_virtual(main())


def test_a_bid_refused_401_twice_fails_token_revoked() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.fail("place", unauthorized(), unauthorized())
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.TOKEN_REVOKED)
        assert [a.status for a in stage.bids()] == [401, 401]
        assert stage.applied() == []
        assert stage.renewals() == []  # the refresh worked: the link is not known broken
        assert stage.emails() == ["failed"]

    run_virtual(main())


def test_a_bid_refused_401_whose_refresh_is_refused_fails_token_revoked() -> None:
    async def main() -> None:
        stage = await Stage.build()
        # The user revokes our access after the warm-up: the shot meets 401, the refresh
        # invalid_grant.
        stage.after(stage.target_ns - 2 * NS_PER_S, stage.revoke_link)
        await stage.run()

        [bid] = stage.market.bids()  # from a token eBay no longer knows as anyone's
        assert bid.status == 401
        assert _refreshes(stage) == 1
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.TOKEN_REVOKED)
        user = await stage.stores.users.require(USER_ID)
        assert user.ebay_link is not None and user.ebay_link.broken
        assert stage.outcomes() == ["FAILED"]
        # As when the link is found broken before the shot: the user is asked to link again.
        [renewal] = stage.renewals()
        assert (renewal.reason, renewal.affected_bid_ids) == (
            RenewalReason.BROKEN,
            (stage.snipe.bid_id,),
        )

    run_virtual(main())


def test_an_application_ebay_has_not_approved_fails_at_once_without_retrying() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.market.approved = False
        await stage.run()

        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.EBAY_APP_NOT_APPROVED)
        [bid] = stage.bids()  # 403 errorId 1100: no retry, no refresh
        assert (bid.status, bid.error_id) == (403, 1100)
        assert _refreshes(stage) == 0
        assert stage.emails() == ["failed"]

    run_virtual(main())


def test_approval_withdrawn_before_the_settle_fails_app_not_approved() -> None:
    async def main() -> None:
        stage = await Stage.build()
        stage.after(stage.close_ns, lambda: setattr(stage.market, "approved", False))
        await stage.run()

        # The bid stands on eBay, but eBay will not tell an unapproved application who won.
        assert len(stage.applied()) == 1
        stored = await stage.stored()
        assert (stored.status, stored.reason) == (S.FAILED, FailureReason.EBAY_APP_NOT_APPROVED)
        assert stage.outcomes() == ["PLACED", "FAILED"]
        settle_probes = [a for a in stage.market.requests("probe") if a.sent_ns > stage.close_ns]
        assert [a.status for a in settle_probes] == [403]

    run_virtual(main())
