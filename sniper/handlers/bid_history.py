"""BidHistoryFunction: /bid-history (settled snipes with their timing reports)."""

from __future__ import annotations

from collections.abc import Mapping

from sniper.api import composition as wire
from sniper.api.app import HttpApp, api_logger, api_resolver
from sniper.api.routes import history
from sniper.aws_clients import AwsClients
from sniper.config import BidHistorySettings, load_settings
from sniper.runtime import App, Entrypoint


async def build(environ: Mapping[str, str]) -> App:
    settings = load_settings(BidHistorySettings, environ)
    logger = api_logger("bid-history", settings.log_level)
    clients = AwsClients.for_settings(settings)
    repository = await wire.history_repository(clients, settings.bid_history_table)
    resolver = api_resolver([history.build_router(repository)], logger)
    return HttpApp(resolver, logger, closers=[clients.close])


handler = Entrypoint(build)
