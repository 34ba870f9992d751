"""The other outside systems, in memory: EventBridge Scheduler's schedules, the hand-off to the
notification handler, and Postmark (which keeps each message's metadata, as its search does)."""

from __future__ import annotations

from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.snipe import Snipe
from sniper.events import NotifierEvent
from sniper.notifications.mailer import Undeliverable
from sniper.notifications.messages import Message


class FakeScheduler:
    """Schedules by snipe id; `fail_next` makes the next schedule() fail as AWS can."""

    def __init__(self) -> None:
        self.schedules: dict[str, Snipe] = {}
        self.removed: list[str] = []
        self._fail = False

    def fail_next(self) -> None:
        self._fail = True

    async def schedule(self, snipe: Snipe) -> str:
        if self._fail:
            self._fail = False
            raise UpstreamUnavailable("the scheduler refused the request")
        self.schedules[snipe.bid_id] = snipe
        return f"snipe-{snipe.bid_id}"

    async def reschedule(self, snipe: Snipe) -> None:
        self.schedules[snipe.bid_id] = snipe

    async def unschedule(self, snipe: Snipe) -> None:
        self.schedules.pop(snipe.bid_id, None)  # a missing schedule is fine
        self.removed.append(snipe.bid_id)


class FakeDispatch:
    """What was handed to the notification handler."""

    def __init__(self) -> None:
        self.sent: list[NotifierEvent] = []

    async def __call__(self, event: NotifierEvent) -> None:
        self.sent.append(event)


class FakeMailer:
    """Postmark: `accepted` keeps every message it took, with its key. `lose_next_answer` takes
    the next message and fails as if its answer was lost; `refuse` a recipient for good."""

    def __init__(self) -> None:
        self.accepted: list[tuple[str, Message, str | None]] = []
        self.searches: list[str] = []
        self.refused: set[str] = set()
        self._lose_answer = False

    def lose_next_answer(self) -> None:
        self._lose_answer = True

    async def send(self, to: str, message: Message, *, key: str | None = None) -> str:
        if to in self.refused:
            raise Undeliverable("Postmark will not deliver to this recipient")
        self.accepted.append((to, message, key))
        if self._lose_answer:
            self._lose_answer = False
            raise UpstreamUnavailable("Postmark is unreachable: ReadTimeout")
        return f"message-{len(self.accepted)}"

    async def was_sent(self, key: str) -> bool:
        self.searches.append(key)
        return any(sent_key == key for _, _, sent_key in self.accepted)
