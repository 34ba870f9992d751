"""The notification function, built as the local stack builds it, sending to the Postmark sink."""

from __future__ import annotations

from typing import Any

import aiohttp
import msgspec
import pytest

from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.context import LocalLambdaContext
from sniper.devstack.local.postmark_sink import PostmarkSink
from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.money import Money
from sniper.domain.snipe import SnipeStatus
from sniper.domain.user import NotificationChoices, Preferences
from sniper.events import Amount, LinkNeedsRenewal, SnipeOutcome
from sniper.handlers.notification_handler import build
from sniper.runtime import App
from sniper.storage.snipes import SnipesRepository
from sniper.storage.users import UsersRepository
from tests.factories import make_snipe, make_user, now_ms

ALL_ON = NotificationChoices(placed=True, won=True, lost=True, skipped=True, failed=True,
                             link_renewal=True)  # fmt: skip


@pytest.fixture
async def notify_app(stack_aws: LocalAws) -> App:
    return await build(stack_aws.function_environment("NotificationHandlerFunction"))


def outcome_event(user_id: str, kind: str, **overrides: Any) -> dict[str, Any]:
    end = now_ms() - 2000
    fields: dict[str, Any] = {
        "user_id": user_id,
        "bid_id": f"bid-{kind.lower()}",
        "outcome": kind,
        "item_id": "v1|110099887766|0",
        "title": f"Rolleiflex 2.8F ({kind.lower()})",
        "max_bid": Amount("480.00", "USD"),
        "auction_end_ms": end,
        "final_price": Amount("455.00", "USD"),
        "item_web_url": "https://www.ebay.com/itm/110099887766",
        "sent_ns": end * 1_000_000 - 3_100_000_000,
        "answered_ns": end * 1_000_000 - 2_900_000_000,
    }
    fields.update(overrides)
    # As Lambda hands it over: the JSON the sender encoded, parsed into a dict.
    decoded: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(SnipeOutcome(**fields)))
    return decoded


async def invoke(app: App, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await app(event, LocalLambdaContext("notification-handler"))
    return result


@pytest.mark.parametrize(
    ("kind", "reason", "subject", "expected"),
    [
        ("PLACED", None, "Bid placed: Rolleiflex 2.8F (placed)", "$480.00"),
        ("WON", None, "You won: Rolleiflex 2.8F (won) for $455.00", "about 3,000 ms before"),
        ("LOST", None, "Outbid: Rolleiflex 2.8F (lost)", "it sold for $455.00"),
        ("SKIPPED", "ENDED_BY_BUY_IT_NOW", "Snipe skipped: Rolleiflex 2.8F (skipped)",
         "Buy It Now"),
        ("FAILED", "EBAY_UNAVAILABLE", "Snipe failed: Rolleiflex 2.8F (failed)",
         "eBay kept failing"),
    ],
)  # fmt: skip
async def test_each_outcome_sends_its_email(
    notify_app: App,
    stack_aws: LocalAws,
    users_repo: UsersRepository,
    postmark_sink: PostmarkSink,
    kind: str,
    reason: str | None,
    subject: str,
    expected: str,
) -> None:
    user = await users_repo.create(
        make_user(name="Ada", preferences=Preferences(notifications=ALL_ON))
    )
    result = await invoke(notify_app, outcome_event(user.user_id, kind, reason=reason))

    [sent] = postmark_sink.messages()
    assert result["delivery"] == "sent" and result["message_id"] == sent["MessageID"]
    assert sent["To"] == user.email
    assert (
        sent["From"] == stack_aws.function_environment("NotificationHandlerFunction")["EMAIL_FROM"]
    )
    assert sent["Subject"] == subject
    assert sent["Tag"] == kind.lower()
    assert sent["MessageStream"] == "outbound"
    for body in (sent["TextBody"], sent["HtmlBody"]):
        assert expected in body
        assert "https://www.ebay.com/itm/110099887766" in body
    assert "Hello Ada," in sent["TextBody"]


async def test_a_choice_turned_off_sends_nothing(
    notify_app: App, users_repo: UsersRepository, postmark_sink: PostmarkSink
) -> None:
    choices = NotificationChoices(won=False, lost=True, placed=False)
    user = await users_repo.create(make_user(preferences=Preferences(notifications=choices)))

    assert (await invoke(notify_app, outcome_event(user.user_id, "WON")))[
        "delivery"
    ] == "not_wanted"
    assert (await invoke(notify_app, outcome_event(user.user_id, "PLACED")))["delivery"] == (
        "not_wanted"
    )
    assert postmark_sink.messages() == []
    # The choices that stay on still send.
    assert (await invoke(notify_app, outcome_event(user.user_id, "LOST")))["delivery"] == "sent"
    assert [m["Tag"] for m in postmark_sink.messages()] == ["lost"]


async def test_renewal_choice_off_sends_nothing(
    notify_app: App, users_repo: UsersRepository, postmark_sink: PostmarkSink
) -> None:
    choices = NotificationChoices(link_renewal=False)
    user = await users_repo.create(make_user(preferences=Preferences(notifications=choices)))
    event = msgspec.to_builtins(
        LinkNeedsRenewal(user_id=user.user_id, ebay_username="ada_ebay", reason="broken")
    )
    assert (await invoke(notify_app, event))["delivery"] == "not_wanted"
    assert postmark_sink.messages() == []


async def test_broken_link_email_names_pending_snipes(
    notify_app: App,
    users_repo: UsersRepository,
    snipes_repo: SnipesRepository,
    postmark_sink: PostmarkSink,
) -> None:
    user = await users_repo.create(make_user())
    soon = await snipes_repo.create(
        make_snipe(user_id=user.user_id, title="Hasselblad <500C>",
                   auction_end_ms=now_ms() + 3_600_000)
    )  # fmt: skip
    later = await snipes_repo.create(
        make_snipe(
            user_id=user.user_id, title="Zeiss Planar 80", auction_end_ms=now_ms() + 7_200_000
        )
    )
    settled = await snipes_repo.create(
        make_snipe(user_id=user.user_id, title="Already won lens", status=SnipeStatus.WON)
    )
    event = msgspec.to_builtins(
        LinkNeedsRenewal(
            user_id=user.user_id,
            ebay_username="ada_ebay",
            reason="broken",
            affected_bid_ids=(later.bid_id, soon.bid_id, settled.bid_id, "no-such-bid"),
        )
    )
    assert (await invoke(notify_app, event))["delivery"] == "sent"

    [sent] = postmark_sink.messages()
    assert sent["Tag"] == "link-broken"
    assert "ada_ebay" in sent["TextBody"]
    text = sent["TextBody"]
    assert "2 scheduled snipes will fail" in text
    assert text.index("Hasselblad <500C>") < text.index("Zeiss Planar 80")  # soonest first
    assert "Already won lens" not in text
    assert "Hasselblad &lt;500C&gt;" in sent["HtmlBody"]


async def test_unknown_user_and_unknown_outcome_send_nothing(
    notify_app: App, users_repo: UsersRepository, postmark_sink: PostmarkSink
) -> None:
    assert (await invoke(notify_app, outcome_event("nobody", "WON")))["delivery"] == "no_recipient"
    user = await users_repo.create(make_user(preferences=Preferences(notifications=ALL_ON)))
    result = await invoke(notify_app, outcome_event(user.user_id, "CANCELLED"))
    assert result["delivery"] == "unknown_outcome"
    assert postmark_sink.messages() == []


async def test_malformed_event_is_refused(notify_app: App) -> None:
    with pytest.raises(msgspec.ValidationError):
        await invoke(notify_app, {"type": "snipe.outcome", "userId": "u"})


async def test_postmark_down_is_retryable(
    notify_app: App, users_repo: UsersRepository, postmark_sink: PostmarkSink
) -> None:
    user = await users_repo.create(make_user())
    await postmark_sink.stop()
    # Lambda retries an asynchronous invocation that raises; this one must raise, not drop.
    with pytest.raises(UpstreamUnavailable, match="Postmark is unreachable"):
        await invoke(notify_app, outcome_event(user.user_id, "WON"))


async def test_sink_speaks_postmark(postmark_sink: PostmarkSink) -> None:
    assert postmark_sink.url
    message = {"From": "a@example.com", "To": "b@example.com", "Subject": "s", "TextBody": "t"}
    async with aiohttp.ClientSession(base_url=postmark_sink.url) as http:
        async with http.post("/email", json=message) as refused:
            assert refused.status == 401
            assert (await refused.json())["ErrorCode"] == 10
        headers = {"X-Postmark-Server-Token": "POSTMARK_API_TEST"}
        async with http.post("/email", json=message, headers=headers) as answer:
            assert answer.status == 200
            single = await answer.json()
        async with http.post("/email/batch", json=[message, {**message, "To": "c@example.com"}],
                             headers=headers) as answer:  # fmt: skip
            batch = await answer.json()
        async with http.post("/email", json={"From": "a@example.com"}, headers=headers) as bad:
            assert bad.status == 422
            assert (await bad.json())["ErrorCode"] == 300
    assert (
        single["ErrorCode"] == 0 and single["Message"] == "OK" and single["To"] == "b@example.com"
    )
    assert single["SubmittedAt"].endswith("Z")
    assert [a["To"] for a in batch] == ["b@example.com", "c@example.com"]
    stored = postmark_sink.messages()
    assert [m["To"] for m in stored] == ["b@example.com", "b@example.com", "c@example.com"]
    assert [m["MessageID"] for m in stored] == [
        single["MessageID"],
        *(a["MessageID"] for a in batch),
    ]


def test_money_in_events_is_a_string() -> None:
    # The contract the executor and this handler share: money never travels as a float.
    event = outcome_event("u", "WON", max_bid=Amount(Money.parse("1.50", "USD").value, "USD"))
    assert event["maxBid"] == {"value": "1.50", "currency": "USD"}
