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


@pytest.mark.parametrize(
    ("refusal", "tries", "raised"),
    [
        # Stale every time: a few tries, then a 409 an outer loop does not retry again.
        (StaleWrite("changed"), ATTEMPTS, Conflict),
        # Any other refusal is the answer, not a race: no second try.
        (IllegalTransition("a WON snipe cannot become CANCELLED"), 1, IllegalTransition),
    ],
)
async def test_only_a_stale_write_is_tried_again_and_only_a_few_times(
    refusal: Exception, tries: int, raised: type[Exception]
) -> None:
    attempts = 0

    async def read() -> None:
        return None

    async def write(_: None) -> None:
        nonlocal attempts
        attempts += 1
        raise refusal

    with pytest.raises(raised) as caught:
        await optimistic_update(read, write, what="the profile")
    assert attempts == tries
    assert not isinstance(caught.value, StaleWrite)
    if raised is Conflict:
        assert caught.value.args[0] == "the profile kept changing; try again"
