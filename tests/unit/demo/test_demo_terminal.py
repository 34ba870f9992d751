"""Where the demo's watch goes: redrawn in place in a terminal, a line per change in a pipe."""

from __future__ import annotations

import io

from sniper.devstack.demo.terminal import SnipeWatch
from sniper.devstack.demo.view import Row, Snapshot
from tests.support.screens import ANSI, CURSOR, console_on

NOW = 1_764_000_000_000


def _snapshot(now_ms: int, status: str) -> Snapshot:
    row = Row(
        title="Leica M6 body with a title long enough to be cut", max_bid="45.00",
        status=status, reason=None, closes_ms=NOW + 40_000, fires_ms=NOW + 37_000,
        price="10.00", bid_count=1, ended=False,
    )  # fmt: skip
    return Snapshot(now_ms=now_ms, rows=(row,))


SHOWN = [_snapshot(NOW, "SCHEDULED"), _snapshot(NOW + 500, "SCHEDULED"), _snapshot(NOW + 1_000, "ARMED")]  # fmt: skip


def _watch(out: io.StringIO, *, terminal: bool, width: int = 100) -> None:
    with SnipeWatch(console_on(out, width=width, terminal=terminal)) as watch:
        for snapshot in SHOWN:
            watch.show(snapshot)


def test_a_terminal_gets_one_table_redrawn_in_place() -> None:
    out = io.StringIO()
    _watch(out, terminal=True)
    drawn = out.getvalue()
    # Each drawing after the first goes back up over the one before it.
    assert drawn.count("Live at ") == len(SHOWN) + 1  # the last is drawn once more on stop
    assert "\x1b[1A" in drawn and "\x1b[2K" in drawn
    last = ANSI.sub("", CURSOR.sub("", drawn)).split("Live at ")[-1]
    assert "ARMED" in last and "0:36" in last  # bid in, a second later


def test_a_narrow_terminal_is_never_overrun() -> None:
    out = io.StringIO()
    _watch(out, terminal=True, width=60)
    lines = ANSI.sub("", CURSOR.sub("", out.getvalue())).replace("\r", "\n").splitlines()
    assert max(len(line) for line in lines) <= 60


def test_a_pipe_gets_a_line_per_change_and_no_escape_codes() -> None:
    out = io.StringIO()
    _watch(out, terminal=False)
    lines = out.getvalue().splitlines()
    assert "\x1b" not in out.getvalue()
    assert len(lines) == 2  # the first look, then SCHEDULED -> ARMED
    assert "SCHEDULED" in lines[0] and "ARMED" in lines[1]
    assert all(line.startswith("16:00:0") for line in lines)
