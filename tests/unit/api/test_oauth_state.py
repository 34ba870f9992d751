"""The OAuth state: bound to one user, short-lived, tamper-evident."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sniper.domain.errors import UpstreamUnavailable
from sniper.services.clock import ClockMs, now_ms
from sniper.services.oauth_state import InvalidState, OAuthStates, StateAlreadyUsed, StateExpired

KEY = b"k" * 48


class Ledger:
    """Spent nonces in memory (the real one is a conditional put: tests/integration/api)."""

    def __init__(self) -> None:
        self.spent: dict[tuple[str, str], int] = {}

    async def spend(self, user_id: str, nonce: str, expires_ms: int) -> bool:
        if (user_id, nonce) in self.spent:
            return False
        self.spent[(user_id, nonce)] = expires_ms
        return True


def _states(key: bytes = KEY, clock_ms: ClockMs = now_ms) -> OAuthStates:
    return OAuthStates(key, ttl_seconds=600, ledger=Ledger(), clock_ms=clock_ms)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000

    def __call__(self) -> int:
        return self.now


def test_a_fresh_state_verifies_for_its_user() -> None:
    states = _states(KEY, clock_ms=Clock())
    issued = states.issue("user-a")
    states.verify(issued.value, "user-a")
    assert "user-a" not in issued.value
    assert issued.value != states.issue("user-a").value


def test_another_users_state_is_refused() -> None:
    states = _states(KEY)
    with pytest.raises(InvalidState) as caught:
        states.verify(states.issue("user-a").value, "user-b")
    assert caught.value.field == "state" and type(caught.value) is InvalidState


def test_an_expired_state_is_refused() -> None:
    clock = Clock()
    states = _states(KEY, clock_ms=clock)
    issued = states.issue("user-a")
    clock.now += 600_000
    with pytest.raises(StateExpired):
        states.verify(issued.value, "user-a")


def test_another_key_refuses() -> None:
    issued = _states(KEY).issue("user-a")
    with pytest.raises(InvalidState):
        _states(b"x" * 48).verify(issued.value, "user-a")


@settings(max_examples=60, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=10_000), replacement=st.sampled_from("AZaz09-_.")
)
def test_any_changed_character_is_refused(position: int, replacement: str) -> None:
    states = _states(KEY)
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
        _states(KEY).verify(value, "user-a")


def test_a_short_key_is_a_configuration_error() -> None:
    with pytest.raises(UpstreamUnavailable):
        _states(b"short")


async def test_a_state_is_redeemed_once() -> None:
    clock = Clock()
    ledger = Ledger()
    states = OAuthStates(KEY, ttl_seconds=600, ledger=ledger, clock_ms=clock)
    issued = states.issue("user-a")
    await states.redeem(issued.value, "user-a")
    ((spent_by, _), expires), *_ = ledger.spent.items()
    assert spent_by == "user-a" and expires == issued.expires_ms
    with pytest.raises(StateAlreadyUsed) as caught:
        await states.redeem(issued.value, "user-a")
    assert caught.value.field == "state"
    await states.redeem(states.issue("user-a").value, "user-a")  # a new attempt is fine


async def test_a_refused_state_spends_nothing() -> None:
    ledger = Ledger()
    states = OAuthStates(KEY, ttl_seconds=600, ledger=ledger)
    issued = states.issue("user-a")
    with pytest.raises(InvalidState):
        await states.redeem(issued.value, "user-b")
    assert ledger.spent == {}
    await states.redeem(issued.value, "user-a")
