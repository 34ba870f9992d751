"""The OAuth state: bound to one user, short-lived, tamper-evident."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sniper.domain.errors import UpstreamUnavailable
from sniper.services.oauth_state import InvalidState, OAuthStates, StateAlreadyUsed, StateExpired
from tests.fakes.clock import FakeClock
from tests.fakes.stores import FakeBidsTable, FakeSpentStateStore

KEY = b"k" * 48


def _states(key: bytes = KEY, clock: FakeClock | None = None) -> OAuthStates:
    ledger = FakeSpentStateStore(FakeBidsTable())
    return OAuthStates(key, ttl_seconds=600, ledger=ledger, clock=clock or FakeClock())


def _spent(ledger: FakeSpentStateStore, user_id: str) -> dict[str, int]:
    return ledger.table.of_kind(user_id, ledger.KIND)


def test_a_fresh_state_verifies_for_its_user() -> None:
    states = _states(KEY)
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
    clock = FakeClock()
    states = _states(KEY, clock)
    issued = states.issue("user-a")
    clock.advance(ms=599_999)
    states.verify(issued.value, "user-a")
    clock.advance(ms=1)
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
    ledger = FakeSpentStateStore(FakeBidsTable())
    states = OAuthStates(KEY, ttl_seconds=600, ledger=ledger, clock=FakeClock())
    issued = states.issue("user-a")
    await states.redeem(issued.value, "user-a")
    assert list(_spent(ledger, "user-a").values()) == [issued.expires_ms]
    with pytest.raises(StateAlreadyUsed) as caught:
        await states.redeem(issued.value, "user-a")
    assert caught.value.field == "state"
    await states.redeem(states.issue("user-a").value, "user-a")  # a new attempt is fine


async def test_a_refused_state_spends_nothing() -> None:
    ledger = FakeSpentStateStore(FakeBidsTable())
    states = OAuthStates(KEY, ttl_seconds=600, ledger=ledger, clock=FakeClock())
    issued = states.issue("user-a")
    with pytest.raises(InvalidState):
        await states.redeem(issued.value, "user-b")
    assert _spent(ledger, "user-a") == _spent(ledger, "user-b") == {}
    await states.redeem(issued.value, "user-a")
