from __future__ import annotations

import itertools

import pytest

from sniper.domain.errors import IllegalTransition, InvalidInput
from sniper.domain.money import Money
from sniper.domain.snipe import TERMINAL, TRANSITIONS, SnipeStatus, check_offset
from tests.factories import make_snipe

S = SnipeStatus
ALLOWED = {
    (S.SCHEDULED, S.ARMED), (S.ARMED, S.BIDDING), (S.BIDDING, S.PLACED), (S.PLACED, S.WON),
    (S.PLACED, S.LOST), (S.SCHEDULED, S.CANCELLED), (S.ARMED, S.CANCELLED),
    (S.SCHEDULED, S.SKIPPED), (S.ARMED, S.SKIPPED), (S.BIDDING, S.SKIPPED),
    (S.SCHEDULED, S.FAILED), (S.ARMED, S.FAILED), (S.BIDDING, S.FAILED), (S.PLACED, S.FAILED),
    (S.BIDDING, S.LOST),  # 120008: outbid before the snipe fired
    (S.BIDDING, S.WON),  # the bid's answer was lost; eBay's record after the close says so
}  # fmt: skip


def test_the_written_table_is_exactly_the_specified_one() -> None:
    written = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert written == ALLOWED


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_every_allowed_transition(source: SnipeStatus, target: SnipeStatus) -> None:
    snipe = make_snipe(status=source, version=4)
    moved = snipe.moved_to(target, now_ms=123, reason="because")
    assert moved.status is target
    assert moved.version == 5
    assert moved.updated_ms == 123


FORBIDDEN = sorted(set(itertools.product(S, S)) - ALLOWED)


@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_every_forbidden_transition_is_an_error(source: SnipeStatus, target: SnipeStatus) -> None:
    snipe = make_snipe(status=source)
    with pytest.raises(IllegalTransition):
        snipe.moved_to(target, now_ms=1, reason="because")


def test_terminal_states_have_no_way_out() -> None:
    assert all(not TRANSITIONS[s] for s in TERMINAL)


@pytest.mark.parametrize("target", [S.SKIPPED, S.FAILED])
def test_skip_and_fail_need_a_reason(target: SnipeStatus) -> None:
    with pytest.raises(InvalidInput):
        make_snipe().moved_to(target, now_ms=1)


def test_edit_only_while_scheduled() -> None:
    snipe = make_snipe()
    edited = snipe.edited(now_ms=5, max_bid=Money.parse("30.00", "USD"), offset_seconds=4)
    assert (edited.max_bid, edited.offset_seconds, edited.version) == (
        Money.parse("30.00", "USD"), 4, snipe.version + 1)  # fmt: skip
    with pytest.raises(IllegalTransition):
        make_snipe(status=S.ARMED).edited(now_ms=5, offset_seconds=4)


def test_fire_instant_is_close_minus_offset() -> None:
    assert make_snipe(auction_end_ms=100_000, offset_seconds=2.5).fire_at_ms == 97_500


@pytest.mark.parametrize("bad", [0, 0.49, 60.01, -1, True])
def test_offset_bounds(bad: float) -> None:
    with pytest.raises(InvalidInput, match="offset"):
        check_offset(bad)
    assert check_offset(0.5) == 0.5
    assert check_offset(60) == 60.0
