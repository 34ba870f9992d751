"""What the notifier needs to send an email (sniper.notifications.postmark provides it)."""

from __future__ import annotations

from typing import Protocol

from sniper.domain.errors import SniperError
from sniper.notifications.messages import Message


class Undeliverable(SniperError):
    """The mail service will not deliver to this recipient; sending again would fail the same
    way."""

    code = "email_undeliverable"


class Mailer(Protocol):
    async def send(self, to: str, message: Message, *, key: str | None = None) -> str:
        """Send `message`, tagged with `key` as metadata; the service's message id. Undeliverable
        for a recipient it refuses for good, UpstreamUnavailable for anything worth retrying."""
        ...

    async def was_sent(self, key: str) -> bool:
        """Whether a message carrying `key` was accepted (Postmark's message search)."""
        ...
