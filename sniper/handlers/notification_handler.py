"""NotificationHandlerFunction: a SnipeOutcome or LinkNeedsRenewal event -> at most one email."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from sniper.bootstrap import Root
from sniper.config import NotificationSettings, load_settings
from sniper.events import NotifierEvent, from_mapping
from sniper.notifications.notifier import log_keys
from sniper.runtime import App, ClosingApp, Entrypoint, Event


async def build(environ: Mapping[str, str]) -> App:
    root = Root(load_settings(NotificationSettings, environ), service="notification-handler")
    notifier = await root.notifier()

    async def app(event: Event, context: Any) -> dict[str, Any]:
        root.logger.append_keys(request_id=getattr(context, "aws_request_id", None))
        # A malformed event raises: Lambda retries, then the event lands in the DLQ to inspect.
        notice: NotifierEvent = from_mapping(event, NotifierEvent)  # type: ignore[arg-type]
        result = await notifier.notify(notice)
        root.logger.info("notification handled", extra=log_keys(notice, result))
        data: dict[str, Any] = msgspec.to_builtins(result)
        return data

    return ClosingApp(app, root.aclose)


handler = Entrypoint(build)
