"""BidManagementFunction: /bids (create, list, read, change, cancel; scheduling)."""

from __future__ import annotations

from collections.abc import Mapping

from sniper.api import composition as wire
from sniper.api.app import HttpApp, api_logger, api_resolver
from sniper.api.idempotency import IdempotentRequests
from sniper.api.routes import bids
from sniper.aws_clients import AwsClients
from sniper.config import BidManagementSettings, load_settings
from sniper.metrics import SniperMetrics
from sniper.runtime import App, Entrypoint
from sniper.scheduling import EventBridgeSnipeScheduler
from sniper.services.snipe_book import SnipeBook


async def build(environ: Mapping[str, str]) -> App:
    settings = load_settings(BidManagementSettings, environ)
    logger = api_logger("bid-management", settings.log_level)
    clients = AwsClients.for_settings(settings)
    ebay = await wire.ebay_client(settings, await wire.secrets_reader(clients))
    scheduler = EventBridgeSnipeScheduler(
        await clients.get("scheduler"),
        await clients.get("lambda"),
        group_name=settings.scheduler_group_name,
        role_arn=settings.scheduler_role_arn,
        executor_arn=settings.bid_executor_function_arn,
        dlq_arn=settings.executor_dlq_arn,
        timing=settings.timing(),
    )
    book = SnipeBook(
        users=await wire.users_repository(clients, settings.users_table),
        snipes=await wire.snipes_repository(clients, settings.bids_table),
        guards=await wire.live_guards(clients, settings.bids_table),
        browse=ebay.browse,
        scheduler=scheduler,
        timing=settings.timing(),
    )
    idempotent = IdempotentRequests(
        await wire.idempotency_records(clients, settings.bids_table),
        correlation_id=logger.get_correlation_id,
    )
    metrics = SniperMetrics(
        namespace=settings.powertools_metrics_namespace, service=settings.powertools_service_name
    )
    resolver = api_resolver([bids.build_router(book, idempotent, metrics)], logger)
    return HttpApp(resolver, logger, closers=[ebay.close, clients.close])


handler = Entrypoint(build)
