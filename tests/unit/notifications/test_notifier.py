"""The notifier on fakes: one email per snipe and outcome, whatever is retried or duplicated;
the user's choices; the renewal email's list of pending snipes."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.snipe import SnipeStatus
from sniper.domain.user import NotificationChoices, Preferences, RenewalReason, User
from sniper.events import Amount, LinkNeedsRenewal, SnipeOutcome
from sniper.notifications.notifier import IN_FLIGHT_MS, Delivery, Notifier, SendInFlight
from sniper.services.ports.stores import Notice, NoticeState
from tests.factories import make_history, make_snipe, make_user
from tests.fakes.world import World

USER = "user-1"


@pytest.fixture
async def notifier(world: World) -> Notifier:
    await world.stores.users.create(make_user(user_id=USER, email="ada@example.com", name="Ada"))
    return Notifier(
        world.stores.users,
        world.mailer,
        snipes=world.stores.snipes,
        notices=world.stores.notices,
        history=world.stores.history,
        clock=world.clock,
    )


def _outcome(
    outcome: str = "WON", bid_id: str = "01JBIDWON000000000000000AA", **fields: Any
) -> SnipeOutcome:
    return SnipeOutcome(
        user_id=USER,
        bid_id=bid_id,
        outcome=outcome,
        item_id="v1|110099887766|0",
        title="Rolleiflex 2.8F",
        max_bid=Amount("480.00", "USD"),
        auction_end_ms=1_749_988_000_000,
        final_price=Amount("455.00", "USD"),
        **fields,
    )


async def test_an_outcome_is_emailed_once_and_noted_on_its_history(
    notifier: Notifier, world: World
) -> None:
    snipe = make_snipe(user_id=USER, bid_id="01JBIDWON000000000000000AA")
    await world.stores.history.record(make_history(snipe))

    first = await notifier.notify(_outcome())
    again = await notifier.notify(_outcome())

    assert (first.delivery, again.delivery) == (Delivery.SENT, Delivery.ALREADY_SENT)
    ((to, message, key),) = world.mailer.accepted
    assert to == "ada@example.com" and "You won" in message.subject
    assert key == f"{snipe.bid_id}:WON"
    notice = await world.stores.notices.get(USER, snipe.bid_id, "WON")
    assert notice is not None and notice.state == NoticeState.SENT
    assert notice.message_id == first.message_id
    assert (await world.stores.history.get(USER, snipe.bid_id)).emailed_ms == world.clock.now_ms


async def test_placed_then_won_are_two_emails(notifier: Notifier, world: World) -> None:
    await world.stores.users.save(
        _with_choices(await world.stores.users.require(USER), placed=True), expected_version=0
    )
    assert (await notifier.notify(_outcome("PLACED"))).delivery == Delivery.SENT
    assert (await notifier.notify(_outcome("WON"))).delivery == Delivery.SENT
    assert [m.tag for _, m, _ in world.mailer.accepted] == ["placed", "won"]
    assert await world.stores.notices.done_outcomes(USER, "01JBIDWON000000000000000AA") == {
        "PLACED",
        "WON",
    }


def _with_choices(user: User, **choices: bool) -> User:
    preferences = Preferences(notifications=NotificationChoices(**choices))
    return msgspec.structs.replace(user, preferences=preferences, version=user.version + 1)


async def test_a_claim_moments_old_may_still_be_sending(notifier: Notifier, world: World) -> None:
    await world.stores.notices.claim(_claim("someone-else", world.clock.now_ms))
    world.clock.advance(ms=IN_FLIGHT_MS - 1)
    with pytest.raises(SendInFlight):
        await notifier.notify(_outcome())
    assert world.mailer.accepted == [] and world.mailer.searches == []


def _claim(claimant: str, claimed_ms: int) -> Notice:
    return Notice(
        user_id=USER,
        bid_id="01JBIDWON000000000000000AA",
        outcome="WON",
        state=NoticeState.SENDING,
        claimant=claimant,
        claimed_ms=claimed_ms,
    )


async def test_an_email_sent_by_an_invocation_that_died_is_not_sent_again(
    notifier: Notifier, world: World
) -> None:
    world.mailer.lose_next_answer()  # Postmark took it; its answer never came back
    with pytest.raises(UpstreamUnavailable):
        await notifier.notify(_outcome())
    world.clock.advance(ms=IN_FLIGHT_MS)

    retried = await notifier.notify(_outcome())

    assert retried.delivery == Delivery.ALREADY_SENT and len(world.mailer.accepted) == 1
    assert world.mailer.searches == ["01JBIDWON000000000000000AA:WON"]
    notice = await world.stores.notices.get(USER, "01JBIDWON000000000000000AA", "WON")
    assert notice is not None and notice.state == NoticeState.SENT


async def test_an_email_that_never_left_is_sent_by_the_retry(
    notifier: Notifier, world: World
) -> None:
    await world.stores.notices.claim(_claim("died-before-sending", world.clock.now_ms))
    world.clock.advance(ms=IN_FLIGHT_MS)
    assert (await notifier.notify(_outcome())).delivery == Delivery.SENT
    assert len(world.mailer.accepted) == 1


async def test_of_two_retries_taking_over_one_sends(notifier: Notifier, world: World) -> None:
    await world.stores.notices.claim(_claim("died-before-sending", world.clock.now_ms))
    world.clock.advance(ms=IN_FLIGHT_MS)

    async def nobody() -> None:
        return None

    async def the_other_retry_takes_it() -> None:
        await notifier.notify(_outcome())

    world.stores.notices.interleave(nobody)  # this retry's claim: refused, the old claim is there
    world.stores.notices.interleave(the_other_retry_takes_it)  # before this one's takeover
    with pytest.raises(SendInFlight):
        await notifier.notify(_outcome())
    assert len(world.mailer.accepted) == 1


async def test_an_email_the_user_turned_off_is_settled_without_sending(
    notifier: Notifier, world: World
) -> None:
    await world.stores.users.save(
        _with_choices(await world.stores.users.require(USER), lost=False), expected_version=0
    )
    assert (await notifier.notify(_outcome("LOST"))).delivery == Delivery.NOT_WANTED
    assert (await notifier.notify(_outcome("LOST"))).delivery == Delivery.ALREADY_SENT
    notice = await world.stores.notices.get(USER, "01JBIDWON000000000000000AA", "LOST")
    assert (
        notice is not None and notice.state == NoticeState.SKIPPED and world.mailer.accepted == []
    )


@pytest.mark.parametrize(
    ("arrange", "delivery"),
    [("no user", Delivery.NO_RECIPIENT), ("refused", Delivery.UNDELIVERABLE)],
)
async def test_no_email_where_none_can_go(
    notifier: Notifier, arrange: str, delivery: Delivery, world: World
) -> None:
    if arrange == "no user":
        await world.stores.users.delete(USER)
    else:
        world.mailer.refused.add("ada@example.com")
    assert (await notifier.notify(_outcome())).delivery == delivery
    assert world.mailer.accepted == []


async def test_an_outcome_with_no_email_is_not_claimed(notifier: Notifier, world: World) -> None:
    result = await notifier.notify(_outcome(SnipeStatus.CANCELLED))
    assert result.delivery == Delivery.UNKNOWN_OUTCOME
    assert world.stores.notices.count == 0


async def test_a_renewal_email_lists_the_snipes_still_waiting(
    notifier: Notifier, world: World
) -> None:
    later = make_snipe(
        user_id=USER, title="Later lens", auction_end_ms=world.clock.now_ms + 7_200_000
    )
    sooner = make_snipe(
        user_id=USER, title="Sooner body", auction_end_ms=world.clock.now_ms + 3_600_000
    )
    settled = make_snipe(user_id=USER, title="Settled", status=SnipeStatus.WON)
    for snipe in (later, sooner, settled):
        await world.stores.snipes.create(snipe)
    event = LinkNeedsRenewal(
        user_id=USER,
        ebay_username="ada_ebay",
        reason=RenewalReason.BROKEN,
        affected_bid_ids=(later.bid_id, settled.bid_id, sooner.bid_id, "gone"),
    )

    assert (await notifier.notify(event)).delivery == Delivery.SENT

    ((_, message, key),) = world.mailer.accepted
    assert key is None and message.tag == "link-broken"
    assert message.text_body.index("Sooner body") < message.text_body.index("Later lens")
    assert "Settled" not in message.text_body
