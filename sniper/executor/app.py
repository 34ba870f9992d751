"""The bid executor's Lambda app: settings -> the composition root's executor -> `run` per event.

AWS through the SDK (aiobotocore: its credential chain, signer and retries), with short attempts
(`EXECUTOR_RETRIES`); what the executor is made of comes from sniper/bootstrap.py like every
function's; the bid itself leaves on one warm connection to eBay (sniper/ebay/wire.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Mapping
from typing import Any

import msgspec
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from sniper.aws_clients import AwsClients, RetryPolicy
from sniper.bootstrap import Root
from sniper.clock import SYSTEM_CLOCK, Clock
from sniper.config import ExecutorSettings, load_settings
from sniper.events import SnipeDue, from_mapping
from sniper.executor.engine import BidExecutor, Hooks
from sniper.runtime import App, ClientSource, ClosingApp

# A write a second before the shot must not hang: short attempts, a few of them (the SDK's
# standard mode backs off with jitter on throttling and 5xx between them).
EXECUTOR_RETRIES = RetryPolicy(
    mode="standard", max_attempts=4, connect_timeout_s=1.0, read_timeout_s=2.0
)


async def build_executor(
    settings: ExecutorSettings,
    clients: ClientSource,
    *,
    clock: Clock | None = None,
    hooks: Hooks | None = None,
) -> BidExecutor:
    """An executor on `clients` (tests and benchmarks share theirs between executors); its
    `close()` releases what it built."""
    root = Root(settings, service="bid-executor", clients=clients, clock=clock or SYSTEM_CLOCK)
    executor = await root.bid_executor(hooks=hooks)
    executor.on_close(root.aclose)
    return executor


# The snipe a log line is about: per asyncio task, so concurrent runs in one process (the local
# stack's in-process containers) never lend each other their ids.
CURRENT_SNIPE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_snipe", default=None
)


class _SnipeIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        snipe_id = CURRENT_SNIPE.get()
        if snipe_id is not None:
            record.snipe_id = snipe_id
        return True


def executor_logger(settings: ExecutorSettings) -> Logger:
    """JSON lines at the configured level, the snipe's id as a key, for Powertools' logger and
    the sniper.* loggers the modules use (Lambda's Python runtime would otherwise leave the root
    logger at WARNING, and the executor's INFO lines would never appear)."""
    logger = Logger(service="bid-executor", level=settings.log_level)
    package = logging.getLogger("sniper")  # a real logger, so the config below reaches it
    copy_config_to_registered_loggers(source_logger=logger, include={"sniper"})
    for handler in (*logger.handlers, *package.handlers):
        if not any(isinstance(f, _SnipeIdFilter) for f in handler.filters):
            handler.addFilter(_SnipeIdFilter())
    return logger


async def build(environ: Mapping[str, str], *, hooks: Hooks | None = None) -> App:
    """The Lambda app. `hooks`: observers of its steps (the local stack's crash injection)."""
    settings = load_settings(ExecutorSettings, environ)
    logger = executor_logger(settings)
    root = Root(
        settings,
        service="bid-executor",
        clients=AwsClients.for_settings(settings, retries=EXECUTOR_RETRIES),
    )
    executor = await root.bid_executor(hooks=hooks)

    async def run(due: SnipeDue, context: Any) -> dict[str, str]:
        CURRENT_SNIPE.set(due.bid_id)
        result = await executor.run(due, context)
        logger.info(
            "run finished",
            extra={"result": result.value, "request_id": getattr(context, "aws_request_id", None)},
        )
        return {"bidId": due.bid_id, "result": result.value}

    async def app(event: dict[str, Any], context: Any) -> Any:
        # From the wake queue's event source mapping: a batch of SQS records (one, as the
        # template sets it); from the scheduler, bid management or a hand-off: the event itself.
        if "Records" in event:
            return await asyncio.gather(
                *(run(msgspec.json.decode(r["body"], type=SnipeDue), context)
                  for r in event["Records"])
            )  # fmt: skip
        return await run(from_mapping(event, SnipeDue), context)

    return ClosingApp(app, root.aclose)
