"""Outcome emails exactly once: the notifier against the Postmark sink's faults (an email kept by
Postmark whose answer never reached us) and against retried and duplicated events.

The notifier is built as the handler builds it, except for its wall clock, which a test moves
past the in-flight window instead of waiting 30 s for it: Lambda's retry comes a minute later.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass

import pytest

from sniper.aws_clients import AwsClients
from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.postmark_sink import PostmarkSink, SinkFault
from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.user import NotificationChoices, Preferences
from sniper.events import SnipeOutcome, from_mapping
from sniper.notifications.notifier import IN_FLIGHT_MS, Delivery, Notifier, SendInFlight
from sniper.notifications.postmark import PostmarkMailer
from sniper.services.ports.stores import NoticeState
from sniper.storage.history import HistoryRepository
from sniper.storage.notices import NoticesRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository
from tests.factories import make_user
from tests.integration.notifications.test_notification_handler import outcome_event


class MovableClock:
    """The wall clock, moved on by `offset_ms` when the test says so."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def now_ns(self) -> int:
        return time.time_ns() + self.offset_ms * 1_000_000

    async def sleep(self, seconds: float, /) -> None:
        await asyncio.sleep(seconds)


@dataclass
class Mail:
    """The notifier as the handler builds it, but on a clock the test moves; what it reads and
    writes; and the Postmark sink its email goes to."""

    notifier: Notifier
    clock: MovableClock
    notices: NoticesRepository
    users: UsersRepository
    sink: PostmarkSink


@pytest.fixture
async def mail(stack_aws: LocalAws, aws_clients: AwsClients, postmark_sink: PostmarkSink) -> Mail:
    dynamodb = await aws_clients.get("dynamodb")
    clock = MovableClock()
    users = UsersRepository(DynamoTable(dynamodb, stack_aws.refs["UsersTable"]))
    notices = NoticesRepository(DynamoTable(dynamodb, stack_aws.refs["BidsTable"]))

    async def token() -> str:
        return "POSTMARK_API_TEST"

    notifier = Notifier(
        users,
        # A client timeout shorter than the sink's injected delay: the answer is lost.
        PostmarkMailer(token, sender="sniper@example.com", base_url=postmark_sink.url,
                       timeout_s=0.5),
        snipes=SnipesRepository(DynamoTable(dynamodb, stack_aws.refs["BidsTable"])),
        notices=notices,
        history=HistoryRepository(DynamoTable(dynamodb, stack_aws.refs["BidHistoryTable"])),
        clock=clock,
    )  # fmt: skip
    return Mail(notifier, clock, notices, users, postmark_sink)


def _event(user_id: str, bid_id: str, outcome: str = "WON") -> SnipeOutcome:
    return from_mapping(outcome_event(user_id, outcome, bid_id=bid_id), SnipeOutcome)


async def test_a_duplicated_event_sends_one_email(
    mail: Mail,
) -> None:
    notifier, notices = mail.notifier, mail.notices
    user = await mail.users.create(make_user())
    first = await notifier.notify(_event(user.user_id, "bid-dup"))
    again = await notifier.notify(_event(user.user_id, "bid-dup"))
    assert first.delivery == Delivery.SENT and again.delivery == Delivery.ALREADY_SENT
    [sent] = mail.sink.messages()
    assert sent["Metadata"] == {"sniperNotice": "bid-dup:WON"}
    record = await notices.get(user.user_id, "bid-dup", "WON")
    assert record is not None and record.state == NoticeState.SENT
    assert record.message_id == sent["MessageID"]
    # Another outcome of the same snipe is another email.
    placed = await notifier.notify(_event(user.user_id, "bid-dup", "PLACED"))
    assert placed.delivery == Delivery.NOT_WANTED  # off by default, and recorded as settled
    assert len(mail.sink.messages()) == 1


@pytest.mark.parametrize("fault", ["late", "error"])
async def test_an_email_whose_answer_was_lost_is_not_sent_again(
    mail: Mail,
    fault: str,
) -> None:
    notifier, clock, notices = mail.notifier, mail.clock, mail.notices
    user = await mail.users.create(make_user())
    mail.sink.fail_next(SinkFault(kind=fault, delay_s=2.0))  # type: ignore[arg-type]
    with pytest.raises(UpstreamUnavailable):
        await notifier.notify(_event(user.user_id, "bid-lost-answer"))
    assert len(mail.sink.messages()) == 1  # Postmark kept it: the user has the email
    # A retry at once (a duplicate in flight) must not send either: it waits to be retried.
    with pytest.raises(SendInFlight):
        await notifier.notify(_event(user.user_id, "bid-lost-answer"))
    # Lambda's retry, a minute later, finds the email at Postmark and records it.
    clock.offset_ms = IN_FLIGHT_MS + 1
    retried = await notifier.notify(_event(user.user_id, "bid-lost-answer"))
    assert retried.delivery == Delivery.ALREADY_SENT
    assert len(mail.sink.messages()) == 1
    record = await notices.get(user.user_id, "bid-lost-answer", "WON")
    assert record is not None and record.state == NoticeState.SENT


async def test_an_email_that_never_left_is_sent_by_the_retry(
    mail: Mail,
) -> None:
    notifier, clock = mail.notifier, mail.clock
    user = await mail.users.create(
        make_user(preferences=Preferences(notifications=NotificationChoices(placed=True)))
    )
    await mail.sink.stop()  # Postmark unreachable: nothing was sent
    with pytest.raises(UpstreamUnavailable):
        await notifier.notify(_event(user.user_id, "bid-never-left"))
    await mail.sink.start()
    # The sink is back on a new port: the retry runs in a container that knows it.
    mailer = PostmarkMailer(
        notifier.mailer._server_token,  # type: ignore[attr-defined]
        sender="sniper@example.com",
        base_url=mail.sink.url,
    )
    notifier = dataclasses.replace(notifier, mailer=mailer)
    clock.offset_ms = IN_FLIGHT_MS + 1
    retried = await notifier.notify(_event(user.user_id, "bid-never-left"))
    assert retried.delivery == Delivery.SENT
    assert [m["Metadata"]["sniperNotice"] for m in mail.sink.messages()] == ["bid-never-left:WON"]
