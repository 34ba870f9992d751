"""A user's profile and preferences: created on first sight from the verified claims."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass

import msgspec

from sniper.clock import SYSTEM_CLOCK, Clock, now_ms
from sniper.domain.errors import Conflict
from sniper.domain.snipe import check_offset
from sniper.domain.user import NotificationChoices, Preferences, User
from sniper.services.callers import Caller
from sniper.services.optimistic import optimistic_update
from sniper.services.ports.stores import UserStore


@dataclass(frozen=True)
class Profiles:
    users: UserStore
    _: KW_ONLY
    clock: Clock = SYSTEM_CLOCK

    async def get_or_create(self, caller: Caller) -> User:
        user = await self.users.get(caller.user_id)
        if user is not None:
            return user
        now = now_ms(self.clock)
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
        saved = await change_user(
            self.users, lambda: self.get_or_create(caller), change, clock=self.clock
        )
        assert saved is not None  # `change` always has something to write
        return saved


async def change_user(
    users: UserStore,
    read: Callable[[], Awaitable[User]],
    change: Callable[[User], User | None],
    *,
    clock: Clock,
    current: User | None = None,
) -> User | None:
    """Store `change(user)` as the version after the user `read` gave, unless someone wrote the
    user meanwhile: then again from a fresh read (sniper.services.optimistic). None when there
    was nothing to write (`change` returned None); else the user as stored."""

    async def write(user: User) -> User | None:
        changed = change(user)
        if changed is None:
            return None
        updated = msgspec.structs.replace(
            changed, version=user.version + 1, updated_ms=now_ms(clock)
        )
        return await users.save(updated, expected_version=user.version)

    return await optimistic_update(read, write, what="the profile", current=current)
