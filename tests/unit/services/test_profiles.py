"""A user's profile and preferences; the one way a user record is changed (change_user)."""

from __future__ import annotations

import pytest

from sniper.domain.errors import Conflict, InvalidInput
from sniper.domain.user import User
from sniper.services.callers import Caller
from sniper.services.optimistic import ATTEMPTS
from sniper.services.profiles import Profiles
from tests.fakes.world import World

ADA = Caller(user_id="user-1", email="ada@example.com", name="Ada")


@pytest.fixture
def profiles(world: World) -> Profiles:
    return Profiles(world.stores.users, clock=world.clock)


async def test_a_first_call_creates_the_profile_from_the_claims(
    profiles: Profiles, world: World
) -> None:
    user = await profiles.get_or_create(ADA)
    assert (user.user_id, user.email, user.name, user.created_ms) == (
        "user-1",
        "ada@example.com",
        "Ada",
        world.clock.now_ms,
    )
    world.clock.advance(seconds=5)
    assert await profiles.get_or_create(ADA) == user == await world.stores.users.get("user-1")


async def test_two_first_calls_end_with_one_profile(profiles: Profiles, world: World) -> None:
    async def the_other_call() -> None:
        await world.stores.users.create(User(user_id="user-1", email="first@example.com"))

    world.stores.users.interleave(the_other_call)
    user = await profiles.get_or_create(ADA)
    assert user.email == "first@example.com" and len(world.stores.users.items) == 1


async def test_a_change_made_meanwhile_is_kept_not_overwritten(
    profiles: Profiles, world: World
) -> None:
    await profiles.get_or_create(ADA)

    async def another_tab() -> None:
        await profiles.update_preferences(ADA, default_offset_seconds=7)

    world.stores.users.interleave(another_tab)
    world.clock.advance(seconds=1)
    user = await profiles.update_profile(ADA, name="Ada Lovelace")
    assert user.name == "Ada Lovelace" and user.preferences.default_offset_seconds == 7
    assert user.version == 2 and user.updated_ms == world.clock.now_ms
    assert await world.stores.users.get("user-1") == user


async def test_a_profile_that_never_stops_changing_is_a_409(
    profiles: Profiles, world: World
) -> None:
    await profiles.get_or_create(ADA)
    for _ in range(ATTEMPTS):
        world.stores.users.interleave(lambda: profiles.update_profile(ADA, email="x@example.com"))
    with pytest.raises(Conflict) as caught:
        await profiles.update_profile(ADA, name="Ada Lovelace")
    assert "kept changing" in caught.value.message
    assert (await world.stores.users.require("user-1")).name == "Ada"


async def test_preferences_change_only_what_is_given(profiles: Profiles) -> None:
    user = await profiles.update_preferences(ADA, notifications={"placed": True})
    assert user.preferences.notifications.placed and user.preferences.notifications.won
    assert user.preferences.default_offset_seconds == 3.0
    user = await profiles.update_preferences(ADA, default_offset_seconds=10)
    assert user.preferences.default_offset_seconds == 10 and user.preferences.notifications.placed
    with pytest.raises(InvalidInput) as caught:
        await profiles.update_preferences(ADA, default_offset_seconds=0.1)
    assert caught.value.field == "defaultOffsetSeconds"
