"""The one read-change-write loop: again from a fresh read while the write is stale, bounded."""

from __future__ import annotations

import pytest

from sniper.domain.errors import Conflict, IllegalTransition
from sniper.services.optimistic import ATTEMPTS, optimistic_update
from sniper.services.ports.stores import StaleWrite


async def test_a_stale_write_is_tried_again_on_a_fresh_read() -> None:
    reads: list[int] = []
    stored = {"version": 1}

    async def read() -> int:
        reads.append(stored["version"])
        return stored["version"]

    async def write(version: int) -> int:
        if version != stored["version"] or len(reads) == 1:
            stored["version"] += 1  # someone else wrote first
            raise StaleWrite("changed")
        return version

    assert await optimistic_update(read, write, what="the thing") == 2
    assert reads == [1, 2]


async def test_what_the_caller_read_is_used_first() -> None:
    async def read() -> str:
        raise AssertionError("not read: the caller's copy is tried first")

    async def write(value: str) -> str:
        return value.upper()

    assert await optimistic_update(read, write, what="x", current="read") == "READ"


async def test_it_gives_up_with_a_409_after_a_few_tries() -> None:
    attempts = 0

    async def read() -> None:
        return None

    async def write(_: None) -> None:
        nonlocal attempts
        attempts += 1
        raise StaleWrite("changed")

    with pytest.raises(Conflict) as caught:
        await optimistic_update(read, write, what="the profile")
    assert attempts == ATTEMPTS and caught.value.message == "the profile kept changing; try again"
    assert not isinstance(caught.value, StaleWrite)  # an outer loop does not retry it again


async def test_a_refusal_that_is_no_stale_write_is_not_retried() -> None:
    attempts = 0

    async def read() -> None:
        return None

    async def write(_: None) -> None:
        nonlocal attempts
        attempts += 1
        raise IllegalTransition("a WON snipe cannot become CANCELLED")

    with pytest.raises(IllegalTransition):
        await optimistic_update(read, write, what="the snipe")
    assert attempts == 1
