"""The local scheduler reads every page of ListSchedules: with more schedules pending than one page
holds (moto, like the service, answers 50 at a time), every one of them still fires."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.scheduler import LocalScheduler
from tests.integration.local.recording_functions import RecordingFunctions

SCHEDULES = 120


def _create_schedules(aws: LocalAws, count: int, at_s: float) -> list[str]:
    scheduler = aws.client("scheduler")
    moment = datetime.fromtimestamp(at_s, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    names = [f"snipe-page-{index:03d}" for index in range(count)]
    for name in names:
        scheduler.create_schedule(
            Name=name,
            GroupName=aws.refs["ScheduleGroup"],
            ScheduleExpression=f"at({moment})",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={
                "Arn": aws.arns["BidExecutorFunction"],
                "RoleArn": aws.arns["SchedulerExecutionRole"],
                "Input": json.dumps({"userId": "u", "bidId": name}),
            },
            ActionAfterCompletion="DELETE",
        )
    return names


@pytest.mark.parametrize("page_size", [None, 7], ids=["service-default", "seven-a-page"])
async def test_every_pending_schedule_fires_whatever_the_page_size(
    local_aws: LocalAws, recording_functions: RecordingFunctions, page_size: int | None
) -> None:
    # Whole seconds: the expression has no finer grain; at least 2 s ahead to create them all.
    due_s = float(int(time.time()) + 3)
    names = _create_schedules(local_aws, SCHEDULES, due_s)
    first_page = local_aws.client("scheduler").list_schedules(
        GroupName=local_aws.refs["ScheduleGroup"]
    )
    assert len(first_page["Schedules"]) < SCHEDULES and first_page.get("NextToken")

    async with LocalScheduler(local_aws, recording_functions, page_size=page_size) as scheduler:
        async with asyncio.timeout(30):
            await scheduler.wait_for_firings(SCHEDULES)
        pages = scheduler.pages_read

    fired = Counter(event["bidId"] for _, event in recording_functions.received)
    assert fired == Counter({name: 1 for name in names})
    expected_pages = -(-SCHEDULES // (page_size or 50))
    assert pages >= expected_pages
    # ActionAfterCompletion DELETE: none is left, on any page.
    listing = local_aws.client("scheduler").get_paginator("list_schedules")
    left = [s for page in listing.paginate(GroupName=local_aws.refs["ScheduleGroup"])
            for s in page["Schedules"]]  # fmt: skip
    assert left == []
