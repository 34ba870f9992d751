"""Removing a snipe's schedule, for functions that only ever cancel (account removal, unlink).

They hold no role or executor ARN, so they cannot build the full EventBridge adapter; deleting
needs only the group and the name, which `sniper.scheduling.schedule_name` derives as the adapter
does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from sniper.domain.errors import UpstreamUnavailable
from sniper.domain.snipe import Snipe
from sniper.scheduling import schedule_name

if TYPE_CHECKING:
    from types_aiobotocore_scheduler import EventBridgeSchedulerClient


class ScheduleRemoval:
    """A SnipeScheduler that can only unschedule; scheduling from here is a programming error."""

    def __init__(self, scheduler_client: EventBridgeSchedulerClient, group_name: str) -> None:
        self.scheduler = scheduler_client
        self.group_name = group_name

    async def schedule(self, snipe: Snipe) -> str:
        raise NotImplementedError("this function only removes schedules")

    async def reschedule(self, snipe: Snipe) -> None:
        raise NotImplementedError("this function only removes schedules")

    async def unschedule(self, snipe: Snipe) -> None:
        name = snipe.schedule_name or schedule_name(snipe)
        try:
            await self.scheduler.delete_schedule(Name=name, GroupName=self.group_name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return  # fired (and deleted itself) or never made: gone either way
            raise UpstreamUnavailable(
                "EventBridge Scheduler refused to delete the schedule"
            ) from exc
        except BotoCoreError as exc:
            raise UpstreamUnavailable("EventBridge Scheduler is unreachable") from exc
