"""The demo's terminal view: pure rendering of snapshots and results, read back as text."""

from __future__ import annotations

import re

import pytest

from sniper.devstack.demo.view import (
    Result,
    Row,
    Snapshot,
    SnipeSet,
    Watched,
    changes,
    clock_time,
    countdown,
    live_table,
    snipes_set,
    summary,
    watch_list,
)
from tests.support.screens import ANSI, rendered

NOW = 1_764_000_000_000  # an instant on a whole second (ms)


def _row(title: str, status: str = "SCHEDULED", **changes_: object) -> Row:
    fields: dict[str, object] = {
        "title": title,
        "max_bid": "45.00",
        "status": status,
        "reason": None,
        "closes_ms": NOW + 40_000,
        "fires_ms": NOW + 37_000,
        "price": "10.00",
        "bid_count": 1,
        "ended": False,
        **changes_,
    }
    return Row(**fields)  # type: ignore[arg-type]


SNAPSHOT = Snapshot(
    now_ms=NOW,
    rows=(
        _row("Leica M6 body"),
        _row("Summicron 50mm f/2 lens", "WON", ended=True, price="18.50", bid_count=2,
             grouped=True),
        _row("Rolleiflex 2.8F", "SKIPPED", reason="ENDED_BY_BUY_IT_NOW", ended=True,
             bought=True, price="120.00", bid_count=0),
        _row("Hasselblad 500C/M", "BIDDING", closes_ms=NOW + 2_500, fires_ms=NOW - 500),
    ),
)  # fmt: skip


@pytest.mark.parametrize(
    ("ms", "shown"),
    [(0, "0:00"), (200, "0:01"), (1_000, "0:01"), (61_000, "1:01"), (-5_000, "0:00")],
)
def test_a_countdown_rounds_up_to_whole_seconds(ms: int, shown: str) -> None:
    assert countdown(ms) == shown


def test_the_live_table_shows_each_snipe_and_its_countdowns() -> None:
    lines = rendered(live_table(SNAPSHOT))
    assert lines[0].startswith("Live at ") and "2 of 4 snipes settled" in lines[0]
    header = next(line for line in lines if "ITEM" in line)
    assert re.split(r"\s{2,}", header.strip()) == [
        "ITEM",
        "MAX",
        "PRICE",
        "BIDS",
        "SNIPE",
        "BID IN",
        "CLOSES IN",
    ]
    leica = next(line for line in lines if "Leica" in line)
    assert leica.split()[-2:] == ["0:37", "0:40"]  # bid in, closes in
    assert "SKIPPED ENDED_BY_BUY_IT_NOW" in next(line for line in lines if "Rollei" in line)
    assert next(line for line in lines if "Rollei" in line).endswith("bought")
    assert next(line for line in lines if "Summicron" in line).endswith("closed")
    hasselblad = next(line for line in lines if "Hasselblad" in line)
    assert hasselblad.startswith(">") and hasselblad.split()[-2:] == ["now", "0:03"]
    assert lines[-1] == "* one group: win at most one of these"
    assert not any(ANSI.search(line) for line in lines)


def test_the_columns_line_up_with_and_without_colour() -> None:
    plain = rendered(live_table(SNAPSHOT))
    painted = rendered(live_table(SNAPSHOT), color=True)
    assert any(ANSI.search(line) for line in painted)
    assert [ANSI.sub("", line).rstrip() for line in painted] == plain
    header = next(line for line in plain if "ITEM" in line)
    rows = [line for line in plain if line.startswith(("  ", "> ")) and "ITEM" not in line]
    assert len(rows) == 4
    status_column = header.index("SNIPE")
    assert all(line[status_column - 1] == " " and line[status_column] != " " for line in rows)


def test_the_table_keeps_still_as_outcomes_grow() -> None:
    # While every snipe waits, the columns are already as wide as the longest outcome and a
    # price in the hundreds: nothing jumps sideways when a snipe is skipped or the price rises.
    waiting = Snapshot(
        now_ms=NOW,
        rows=tuple(_row(row.title, price="1.00", grouped=row.grouped) for row in SNAPSHOT.rows),
    )
    before = next(line for line in rendered(live_table(waiting)) if "ITEM" in line)
    after = next(line for line in rendered(live_table(SNAPSHOT)) if "ITEM" in line)
    assert before == after


def test_changes_print_a_line_per_state_change() -> None:
    first = changes(None, SNAPSHOT)
    assert len(first) == 4
    assert changes(SNAPSHOT, SNAPSHOT) == []
    armed = Snapshot(
        now_ms=NOW + 1_000,
        rows=(_row("Leica M6 body", "ARMED"), *SNAPSHOT.rows[1:]),
    )
    (line,) = changes(SNAPSHOT, armed)
    assert "Leica M6 body" in line and "ARMED" in line
    assert "price 10.00, 1 bid; closes in 0:39" in line


def _result(title: str, **fields: object) -> Result:
    values: dict[str, object] = {
        "title": title,
        "status": "WON",
        "reason": None,
        "final_price": "31.00",
        "target_ms": NOW + 45_000,
        "landed_ms_before_close": 2_998.6,
        "email_subject": f"You won: {title} for $31.00",
        **fields,
    }
    return Result(**values)  # type: ignore[arg-type]


def test_the_summary_gives_outcome_price_timing_and_email() -> None:
    lines = _summary(
        [
            _result("Leica M6 body"),
            _result("Summilux 35mm f/1.4 lens", status="SKIPPED", reason="GROUP_ALREADY_WON",
                    final_price="15.00", landed_ms_before_close=None, grouped=True,
                    email_subject="Snipe skipped: Summilux 35mm f/1.4 lens"),
        ]
    )  # fmt: skip
    assert lines[0].split() == ["ITEM", "OUTCOME", "FINAL", "USD", "TARGET", "(UTC)", "LANDED",
                                "SCRIPT"]  # fmt: skip
    leica = lines[1]
    assert "WON" in leica and "31.00" in leica and "2,999 ms" in leica and leica.endswith("ok")
    target = NOW + 45_000
    assert f"{target // 1000 % 86400 // 3600:02d}:" in leica and ".000" in leica
    assert "SKIPPED GROUP_ALREADY_WON" in lines[2] and "no bid" in lines[2]
    # In a terminal 100 wide nothing is cut, the longest title with its group mark included.
    assert lines[2].startswith("Summilux 35mm f/1.4 lens *")
    assert _email_of(lines, "Leica M6 body") == "“You won: Leica M6 body for $31.00”"
    assert _email_of(lines, "Summilux") == "“Snipe skipped: Summilux 35mm f/1.4 lens”"
    assert lines[-1] == "All 2 snipes settled as the script expects."


def test_the_summary_names_what_differed() -> None:
    lines = _summary(
        [
            _result("Leica M6 body"),
            _result("Hasselblad 500C/M", status="WON", email_subject=None,
                    differences=("expected LOST, got WON", "expected an email, none was sent")),
        ]
    )  # fmt: skip
    assert lines[2].startswith("Hasselblad 500C/M") and lines[2].endswith("DIFFERS")
    assert _email_of(lines, "Hasselblad") == "none"
    assert lines[-3:] == [
        "1 of 2 snipes differed from the script:",
        "  Hasselblad 500C/M: expected LOST, got WON",
        "  Hasselblad 500C/M: expected an email, none was sent",
    ]


def test_the_watch_list_and_the_snipes_set_are_listed_under_headers() -> None:
    watched = rendered(
        watch_list(
            [Watched("Leica M6 body", "10.00", 1, NOW + 40_000), Watched("Odd", "5.00", 0, None)]
        )
    )
    assert watched[0].split() == ["ITEM", "PRICE", "BIDS", "CLOSES", "(UTC)"]
    assert watched[1].split()[-3:] == ["10.00", "1", clock_time(NOW + 40_000)]
    assert watched[2].endswith("?")
    set_ = rendered(snipes_set(
        [SnipeSet("Summilux 35mm f/1.4 lens", "45.00", "SCHEDULED", NOW + 67_000,
                  "the group (win 1 of 2): closes second", grouped=True)]
    ))  # fmt: skip
    assert set_[0].split()[:5] == ["ITEM", "MAX", "SNIPE", "BIDS", "AT"]
    assert set_[1].startswith("Summilux 35mm f/1.4 lens *")
    assert (
        f"SCHEDULED  {clock_time(NOW + 67_000)}  the group (win 1 of 2): closes second" in set_[1]
    )


def _summary(results: list[Result]) -> list[str]:
    return rendered(summary(results), width=100)


def _email_of(lines: list[str], title: str) -> str:
    """The EMAIL column of the title's row in the emails table (the last table with a title)."""
    header = max(i for i, line in enumerate(lines) if line.split()[:2] == ["ITEM", "EMAIL"])
    row = next(line for line in lines[header:] if line.startswith(title))
    return row[lines[header].index("EMAIL") :]
