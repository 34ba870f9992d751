"""NotificationHandlerFunction: a SnipeOutcome or LinkNeedsRenewal event -> at most one email."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from aws_lambda_powertools import Logger

from sniper.app_secrets import PostmarkSecret, SecretsReader
from sniper.aws_clients import AwsClients
from sniper.config import NotificationSettings, load_settings
from sniper.events import LinkNeedsRenewal, NotifierEvent, SnipeOutcome, from_mapping
from sniper.notifications.notifier import Notifier
from sniper.notifications.postmark import PostmarkMailer
from sniper.runtime import App, ClosingApp, Entrypoint, Event
from sniper.storage.history import HistoryRepository
from sniper.storage.notices import NoticesRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.table import DynamoTable
from sniper.storage.users import UsersRepository


async def build(environ: Mapping[str, str]) -> App:
    settings = load_settings(NotificationSettings, environ)
    logger = Logger(service="notification-handler", level=settings.log_level)
    clients = AwsClients.for_settings(settings)
    dynamodb = await clients.get("dynamodb")
    secrets = SecretsReader(await clients.get("secretsmanager"))

    async def server_token() -> str:
        return (await secrets.read(settings.postmark_secret_arn, PostmarkSecret)).server_token

    notifier = Notifier(
        UsersRepository(DynamoTable(dynamodb, settings.users_table)),
        PostmarkMailer(
            server_token,
            sender=settings.email_from,
            base_url=settings.postmark_base_url,
            timeout_s=settings.postmark_timeout_seconds,
        ),
        snipes=SnipesRepository(DynamoTable(dynamodb, settings.bids_table)),
        notices=NoticesRepository(DynamoTable(dynamodb, settings.bids_table)),
        history=HistoryRepository(DynamoTable(dynamodb, settings.bid_history_table)),
    )

    async def app(event: Event, context: Any) -> dict[str, Any]:
        logger.append_keys(request_id=getattr(context, "aws_request_id", None))
        # A malformed event raises: Lambda retries, then the event lands in the DLQ to inspect.
        notice: NotifierEvent = from_mapping(event, NotifierEvent)  # type: ignore[arg-type]
        about: dict[str, Any]
        match notice:
            case SnipeOutcome(outcome=outcome):
                about = {"bid_id": notice.bid_id, "outcome": outcome}
            case LinkNeedsRenewal(reason=reason):
                about = {"renewal": reason, "affected": len(notice.affected_bid_ids)}
        result = await notifier.notify(notice)
        logger.info(
            "notification handled",
            extra={"user_id": notice.user_id, "delivery": result.delivery.value, **about},
        )
        data: dict[str, Any] = msgspec.to_builtins(result)
        return data

    return ClosingApp(app, clients.close)


handler = Entrypoint(build)
