"""Forgetting a user: their schedules, snipes, history, eBay link and (on request) profile.

Used by DELETE /users/account (everything) and by eBay's account-deletion notices (everything
eBay gave us about that eBay user; the profile, which came from our own sign-up, stays).
Each step is idempotent, so a retried or repeated removal reports zeros and succeeds.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING

import msgspec

from sniper.clock import SYSTEM_CLOCK, Clock
from sniper.domain.snipe import TERMINAL
from sniper.services.ebay_tokens import drop_link
from sniper.services.ports.stores import HistoryStore, SnipeStore, UserStore

if TYPE_CHECKING:
    from sniper.scheduling import SnipeUnscheduler


class RemovalReport(msgspec.Struct, frozen=True, kw_only=True):
    profile_removed: bool = False
    ebay_link_removed: bool = False
    bids_removed: int = 0
    history_removed: int = 0
    schedules_removed: int = 0


@dataclass(frozen=True)
class AccountRemoval:
    users: UserStore
    snipes: SnipeStore
    history: HistoryStore
    scheduler: SnipeUnscheduler
    _: KW_ONLY
    clock: Clock = SYSTEM_CLOCK

    async def remove_account(self, user_id: str) -> RemovalReport:
        user = await self.users.get(user_id)
        activity = await self._remove_activity(user_id)
        profile_removed = await self.users.delete(user_id)
        return msgspec.structs.replace(
            activity,
            profile_removed=profile_removed,
            ebay_link_removed=bool(user and user.ebay_link is not None),
        )

    async def remove_ebay_data(self, user_id: str) -> RemovalReport:
        activity = await self._remove_activity(user_id)
        dropped = await drop_link(self.users, user_id, clock=self.clock)
        return msgspec.structs.replace(activity, ebay_link_removed=dropped)

    async def _remove_activity(self, user_id: str) -> RemovalReport:
        # Schedules first: nothing may fire for a snipe that is about to disappear.
        unscheduled = 0
        for snipe in await self.snipes.all_for_user(user_id):
            if snipe.status not in TERMINAL:
                await self.scheduler.unschedule(snipe)
                unscheduled += 1
        return RemovalReport(
            schedules_removed=unscheduled,
            bids_removed=await self.snipes.delete_all_for_user(user_id),
            history_removed=await self.history.delete_all_for_user(user_id),
        )
