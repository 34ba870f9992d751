"""The OAuth state: bound to one user, short-lived, tamper-evident."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sniper.domain.errors import UpstreamUnavailable
from sniper.services.oauth_state import InvalidState, OAuthStates, StateExpired

KEY = b"k" * 48


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000

    def __call__(self) -> int:
        return self.now


def test_a_fresh_state_verifies_for_its_user() -> None:
    states = OAuthStates(KEY, ttl_seconds=600, clock_ms=Clock())
    issued = states.issue("user-a")
    states.verify(issued.value, "user-a")
    assert "user-a" not in issued.value
    assert issued.value != states.issue("user-a").value


def test_another_users_state_is_refused() -> None:
    states = OAuthStates(KEY, ttl_seconds=600)
    with pytest.raises(InvalidState) as caught:
        states.verify(states.issue("user-a").value, "user-b")
    assert caught.value.field == "state" and type(caught.value) is InvalidState


def test_an_expired_state_is_refused() -> None:
    clock = Clock()
    states = OAuthStates(KEY, ttl_seconds=600, clock_ms=clock)
    issued = states.issue("user-a")
    clock.now += 600_000
    with pytest.raises(StateExpired):
        states.verify(issued.value, "user-a")


def test_another_key_refuses() -> None:
    issued = OAuthStates(KEY, ttl_seconds=600).issue("user-a")
    with pytest.raises(InvalidState):
        OAuthStates(b"x" * 48, ttl_seconds=600).verify(issued.value, "user-a")


@settings(max_examples=60, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=10_000), replacement=st.sampled_from("AZaz09-_.")
)
def test_any_changed_character_is_refused(position: int, replacement: str) -> None:
    states = OAuthStates(KEY, ttl_seconds=600)
    value = states.issue("user-a").value
    index = position % len(value)
    if value[index] == replacement:
        return
    tampered = value[:index] + replacement + value[index + 1 :]
    with pytest.raises(InvalidState):
        states.verify(tampered, "user-a")


@pytest.mark.parametrize("value", ["", "v1", "v1..", "v2.abc.def", "garbage"])
def test_malformed_states_are_refused(value: str) -> None:
    with pytest.raises(InvalidState):
        OAuthStates(KEY, ttl_seconds=600).verify(value, "user-a")


def test_a_short_key_is_a_configuration_error() -> None:
    with pytest.raises(UpstreamUnavailable):
        OAuthStates(b"short", ttl_seconds=600)
