"""Scheduling: the EventBridge Scheduler adapter on moto (two schedules per snipe: the primary's
and the standby's), fired by the local scheduler as the real service would (at its time, with
jitter, at least once), and the whole path from the schedules to a won auction with five
deliveries of each."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from sniper.aws_clients import AwsClients
from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.scheduler import LocalScheduler, parse_at
from sniper.dispatch import LambdaDispatch
from sniper.domain import instants
from sniper.domain.snipe import SnipeStatus
from sniper.scheduling import (
    EventBridgeSnipeScheduler,
    TooCloseToClose,
    at_expression,
    schedule_name,
    standby_schedule_name,
)
from tests.factories import make_snipe
from tests.integration.engine.conftest import RecordingFunctions, World


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@pytest.fixture
async def recorder(local_aws: LocalAws) -> AsyncIterator[RecordingFunctions]:
    """A Lambda runtime that only records what the executor would have been invoked with."""
    runtime = RecordingFunctions(local_aws, {"BidExecutorFunction", "NotificationHandlerFunction"})
    await runtime.start()
    yield runtime
    await runtime.stop()


async def _adapter(
    aws: LocalAws,
    functions_url: str,
    *,
    lead: int,
    precision: int = 1,
    standby_lead: int | None = None,
) -> tuple[EventBridgeSnipeScheduler, AwsClients]:
    clients = AwsClients(
        region=aws.region, endpoint_url=aws.endpoint, endpoint_overrides={"lambda": functions_url}
    )
    adapter = EventBridgeSnipeScheduler(
        await clients.get("scheduler"),
        LambdaDispatch(await clients.get("lambda"), aws.arns["BidExecutorFunction"]),
        group_name=aws.refs["ScheduleGroup"],
        role_arn=aws.arns["SchedulerExecutionRole"],
        executor_arn=aws.arns["BidExecutorFunction"],
        dlq_arn=aws.arns["BidExecutorDeadLetterQueue"],
        timing=dataclasses.replace(
            instants.DEFAULT,
            schedule_lead_s=lead,
            schedule_precision_s=precision,
            standby_lead_s=lead if standby_lead is None else standby_lead,
            min_lead_ms=1000,
        ),
    )
    return adapter, clients


def _schedules(aws: LocalAws) -> list[str]:
    listing = aws.client("scheduler").list_schedules(GroupName=aws.refs["ScheduleGroup"])
    return [s["Name"] for s in listing["Schedules"]]


async def test_the_adapter_writes_what_the_real_service_needs(
    local_aws: LocalAws, recorder: RecordingFunctions
) -> None:
    assert recorder.url is not None
    adapter, clients = await _adapter(
        local_aws, recorder.url, lead=120, precision=60, standby_lead=75
    )
    try:
        snipe = make_snipe(auction_end_ms=_now_ms() + 3_600_000)
        name = await adapter.schedule(snipe)
        assert name == schedule_name(snipe) == f"snipe-{snipe.bid_id}" and len(name) <= 64
        assert sorted(_schedules(local_aws)) == sorted([name, standby_schedule_name(snipe)])
        stored = local_aws.client("scheduler").get_schedule(
            Name=name, GroupName=local_aws.refs["ScheduleGroup"]
        )
        fire_at = parse_at(stored["ScheduleExpression"])
        assert fire_at is not None and fire_at % 60_000 == 0
        assert 120_000 <= snipe.auction_end_ms - fire_at < 180_000
        standby = local_aws.client("scheduler").get_schedule(
            Name=standby_schedule_name(snipe), GroupName=local_aws.refs["ScheduleGroup"]
        )
        standby_at = parse_at(standby["ScheduleExpression"])
        assert standby_at is not None and standby_at % 60_000 == 0
        assert 75_000 <= snipe.auction_end_ms - standby_at < 135_000 and standby_at >= fire_at
        # The same event but for the role: each trigger wakes at its own instant.
        assert json.loads(standby["Target"]["Input"])["role"] == "standby"
        assert json.loads(stored["Target"]["Input"])["role"] == "primary"
        assert (
            standby["Target"]["Input"].replace('"standby"', '"primary"')
            == (stored["Target"]["Input"])
        )
        assert stored["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert stored["ActionAfterCompletion"] == "DELETE"
        target = stored["Target"]
        assert target["Arn"] == local_aws.arns["BidExecutorFunction"]
        assert target["DeadLetterConfig"]["Arn"] == local_aws.arns["BidExecutorDeadLetterQueue"]
        assert "<aws.scheduler.execution-id>" in target["Input"]
        assert set(target["RetryPolicy"]) == {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}

        # A later close moves the schedule; unscheduling twice is fine.
        later = make_snipe(bid_id=snipe.bid_id, auction_end_ms=snipe.auction_end_ms + 600_000)
        await adapter.reschedule(later)
        moved = local_aws.client("scheduler").get_schedule(
            Name=name, GroupName=local_aws.refs["ScheduleGroup"]
        )
        assert parse_at(moved["ScheduleExpression"]) == fire_at + 600_000
        await adapter.unschedule(later)
        await adapter.unschedule(later)
        assert _schedules(local_aws) == []

        # Inside both leads: primary and standby are invoked at once; too close: refused.
        soon = make_snipe(auction_end_ms=_now_ms() + 30_000)
        await adapter.schedule(soon)
        assert _schedules(local_aws) == []
        events = recorder.events_for("BidExecutorFunction")
        assert [(e["type"], e["bidId"]) for e in events] == [("snipe.due", soon.bid_id)] * 2
        with pytest.raises(TooCloseToClose) as refused:
            await adapter.schedule(make_snipe(auction_end_ms=_now_ms() + 3_500, offset_seconds=3))
        assert refused.value.code == "too_close_to_close"
    finally:
        await clients.close()


async def test_the_local_scheduler_fires_on_time_with_jitter_and_duplicates(
    local_aws: LocalAws, recorder: RecordingFunctions
) -> None:
    assert recorder.url is not None
    adapter, clients = await _adapter(local_aws, recorder.url, lead=2)
    try:
        plain = make_snipe(auction_end_ms=_now_ms() + 4_500, offset_seconds=1.0)
        cancelled = make_snipe(auction_end_ms=_now_ms() + 4_500, offset_seconds=1.0)
        await adapter.schedule(plain)
        await adapter.schedule(cancelled)
        async with LocalScheduler(local_aws, recorder, poll_interval=0.5) as scheduler:
            await adapter.unschedule(cancelled)
            await scheduler.rescan()
            firings = await scheduler.wait_for_firings(2)
        assert sorted(f.name for f in firings) == sorted(
            [schedule_name(plain), standby_schedule_name(plain)]
        )
        for firing in firings:
            assert 0 <= firing.fired_ns / 1e6 - firing.due_ms < 100
            assert (
                firing.due_ms == plain.auction_end_ms - 2000 - (plain.auction_end_ms - 2000) % 1000
            )
        events = recorder.events_for("BidExecutorFunction")
        assert len(events) == 2
        for event in events:
            assert event["bidId"] == plain.bid_id and event["userId"] == plain.user_id
            assert event["executionId"] and not event["executionId"].startswith("<")
            assert event["scheduledTime"].endswith("Z") and event["attemptNumber"] == "1"
        assert events[0]["executionId"] != events[1]["executionId"]
        assert _schedules(local_aws) == []  # deleted after completion

        twice = make_snipe(auction_end_ms=_now_ms() + 4_500, offset_seconds=1.0)
        await adapter.schedule(twice)
        expected_jitter_ms = int(random.Random(7).uniform(0, 1.5) * 1000)
        async with LocalScheduler(
            local_aws, recorder, jitter_seconds=1.5, duplicate_deliveries=2,
            rng=random.Random(7), poll_interval=0.5,
        ) as jittery:  # fmt: skip
            fired = await jittery.wait_for_firings(2)
        scheduled = parse_at(adapter_expression(adapter, twice))
        assert scheduled is not None
        for late in fired:
            assert late.due_ms - scheduled in range(0, 1500)  # each schedule its own jitter
            assert late.fired_ns / 1e6 >= late.due_ms
        assert expected_jitter_ms in {late.due_ms - scheduled for late in fired}
        deliveries = [e for e in recorder.events_for("BidExecutorFunction")
                      if e["bidId"] == twice.bid_id]  # fmt: skip
        assert len(deliveries) == 4  # two schedules, each delivered twice
    finally:
        await clients.close()


def adapter_expression(adapter: EventBridgeSnipeScheduler, snipe: Any) -> str:
    return at_expression(adapter.fire_time_ms(snipe))


async def test_from_schedule_to_won_auction_with_five_deliveries(world: World) -> None:
    functions = world.functions
    assert functions.url is not None
    user = await world.linked_user("sniper_e2e")
    # Room for a slow set-up: were the fire time (close - lead) already past when scheduling,
    # the adapter would dispatch at once instead of creating the schedule under test.
    auction = await world.sim.auction(9.0)
    await world.sim.rival(auction["itemId"], "rival", "20.00")
    snipe = await world.snipe(user, auction, offset=1.5)
    adapter, clients = await _adapter(world.aws, functions.url, lead=3)
    try:
        await adapter.schedule(snipe)
        assert sorted(_schedules(world.aws)) == sorted(
            [schedule_name(snipe), standby_schedule_name(snipe)]
        )
    finally:
        await clients.close()
    async with (
        asyncio.timeout(30),
        LocalScheduler(
            world.aws, functions, duplicate_deliveries=5, poll_interval=0.5
        ) as scheduler,
    ):
        await scheduler.wait_for_firings(2)
        await functions.drain()  # the ten executor invocations, run by the local runtime
    assert functions.invocations.count(("BidExecutorFunction", "Event")) == 10

    settled = await world.settled(snipe)
    assert settled.status == SnipeStatus.WON, settled
    assert len(await world.sim.bids(auction["itemId"], "sniper_e2e")) == 1
    assert functions.outcomes(snipe.bid_id) == ["PLACED", "WON"]
