"""A user's profile and preferences: created on first sight from the verified claims."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from sniper.domain.errors import Conflict
from sniper.domain.snipe import check_offset
from sniper.domain.user import NotificationChoices, Preferences, User
from sniper.services.callers import Caller
from sniper.services.clock import ClockMs, now_ms
from sniper.storage.users import UsersRepository

_ATTEMPTS = 4


class Profiles:
    def __init__(self, users: UsersRepository, *, clock_ms: ClockMs = now_ms) -> None:
        self.users = users
        self.clock_ms = clock_ms

    async def get_or_create(self, caller: Caller) -> User:
        user = await self.users.get(caller.user_id)
        if user is not None:
            return user
        now = self.clock_ms()
        fresh = User(
            user_id=caller.user_id,
            email=caller.email,
            name=caller.name,
            created_ms=now,
            updated_ms=now,
        )
        try:
            return await self.users.create(fresh)
        except Conflict:  # a concurrent first call created it
            return await self.users.require(caller.user_id)

    async def update_profile(
        self, caller: Caller, *, name: str | None = None, email: str | None = None
    ) -> User:
        changes = {k: v for k, v in (("name", name), ("email", email)) if v is not None}
        return await self._change(caller, lambda user: msgspec.structs.replace(user, **changes))

    async def update_preferences(
        self,
        caller: Caller,
        *,
        default_offset_seconds: float | None = None,
        notifications: dict[str, bool] | None = None,
    ) -> User:
        if default_offset_seconds is not None:
            check_offset(default_offset_seconds, field="defaultOffsetSeconds")

        def change(user: User) -> User:
            current = user.preferences
            choices: NotificationChoices = msgspec.structs.replace(
                current.notifications, **(notifications or {})
            )
            preferences = Preferences(
                default_offset_seconds=default_offset_seconds
                if default_offset_seconds is not None
                else current.default_offset_seconds,
                notifications=choices,
            )
            return msgspec.structs.replace(user, preferences=preferences)

        return await self._change(caller, change)

    async def _change(self, caller: Caller, change: Callable[[User], User]) -> User:
        for _ in range(_ATTEMPTS):
            user = await self.get_or_create(caller)
            updated = msgspec.structs.replace(
                change(user), version=user.version + 1, updated_ms=self.clock_ms()
            )
            try:
                return await self.users.save(updated, expected_version=user.version)
            except Conflict:
                continue  # someone else wrote meanwhile: apply the change to their version
        raise Conflict("the profile kept changing; try again")
