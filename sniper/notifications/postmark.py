"""Sending one email through Postmark with postmarker, without blocking the event loop.

postmarker is synchronous (requests), so its call runs in a worker thread. One client per
container, kept while the server token stays the same (a rotated secret gets a new client).
Postmark's refusals become domain errors: a recipient Postmark will never deliver to is
`Undeliverable` (retrying cannot help); anything else is `UpstreamUnavailable` (Lambda retries).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import requests
from postmarker.core import DEFAULT_API, PostmarkClient
from postmarker.exceptions import ClientError

from sniper.domain.errors import UpstreamUnavailable
from sniper.notifications.mailer import Undeliverable
from sniper.notifications.messages import Message

# Postmark API error codes that are about this recipient or message, not about Postmark:
# 300 invalid email request, 406 inactive recipient (bounced / unsubscribed / spam complaint).
PERMANENT_ERROR_CODES = frozenset({300, 406})
MESSAGE_STREAM = "outbound"
# The metadata field that names which notice an email is (searchable: `metadata_<field>=`).
NOTICE_METADATA = "sniperNotice"


class PostmarkMailer:
    def __init__(
        self,
        server_token: Callable[[], Awaitable[str]],
        *,
        sender: str,
        base_url: str | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._server_token = server_token
        self.sender = sender
        # postmarker joins "/email" onto this root, so only its scheme and host count.
        self.base_url = (base_url or DEFAULT_API).rstrip("/") + "/"
        self.timeout_s = timeout_s
        self._client: PostmarkClient | None = None
        self._client_token: str | None = None

    async def _client_for_token(self) -> PostmarkClient:
        token = await self._server_token()
        if not token:
            raise UpstreamUnavailable("the Postmark server token is not configured")
        if self._client is None or token != self._client_token:
            # Never log or repr this client: postmarker's repr shows the server token.
            self._client = PostmarkClient(
                server_token=token, root_api_url=self.base_url, timeout=self.timeout_s
            )
            self._client_token = token
        return self._client

    async def send(self, to: str, message: Message, *, key: str | None = None) -> str:
        """Send `message` to `to`, tagged with `key` as metadata; returns Postmark's MessageID."""
        client = await self._client_for_token()
        try:
            answer = await asyncio.to_thread(
                client.emails.send,
                From=self.sender,
                To=to,
                Subject=message.subject,
                TextBody=message.text_body,
                HtmlBody=message.html_body,
                Tag=message.tag,
                MessageStream=MESSAGE_STREAM,
                Metadata={NOTICE_METADATA: key} if key else None,
            )
        except ClientError as exc:
            if exc.error_code in PERMANENT_ERROR_CODES:
                raise Undeliverable(f"Postmark will not deliver this email: {exc}") from None
            raise UpstreamUnavailable(f"Postmark refused the email: {exc}") from None
        except requests.RequestException as exc:
            raise UpstreamUnavailable(f"Postmark is unreachable: {type(exc).__name__}") from None
        return str(answer.get("MessageID", ""))

    async def was_sent(self, key: str) -> bool:
        """Whether Postmark holds an outbound message carrying `key` (its message search; one
        metadata field per search, as Postmark allows)."""
        client = await self._client_for_token()
        query = {"count": 1, "offset": 0, f"metadata_{NOTICE_METADATA}": key}
        try:
            found = await asyncio.to_thread(client.call, "GET", "/messages/outbound", **query)
        except ClientError as exc:
            raise UpstreamUnavailable(f"Postmark refused the message search: {exc}") from None
        except requests.RequestException as exc:
            raise UpstreamUnavailable(f"Postmark is unreachable: {type(exc).__name__}") from None
        return int(found.get("TotalCount", 0)) > 0
