"""How the demo looks: snapshots and results in, rich renderables (or plain lines) out. Pure: no
I/O and no clock; `terminal.py` decides where they go.

The live table is for a terminal, which redraws it in place; the change lines (`changes`) are
for anything else (a pipe, a CI log), where redrawing would only be noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.console import Group, RenderableType
from rich.table import Column, Table
from rich.text import Text

from sniper.cli.render import STATUS_STYLE
from sniper.domain.snipe import TERMINAL

WAITING = frozenset({"SCHEDULED", "ARMED"})
GROUP_MARK = "*"
GROUP_NOTE = f"{GROUP_MARK} one group: win at most one of these"
_TITLE_WIDTH = 26
# The live table keeps still while prices rise and outcomes come in: room for a price in the
# thousands and for the longest outcome (SKIPPED ENDED_BY_BUY_IT_NOW).
_PRICE_WIDTH = 8
_OUTCOME_WIDTH = 28


@dataclass(frozen=True)
class Row:
    """One snipe and its auction at one moment."""

    title: str
    max_bid: str
    status: str
    reason: str | None
    closes_ms: int
    fires_ms: int
    price: str | None
    bid_count: int
    ended: bool  # the auction is over (closed, or bought with Buy It Now)
    bought: bool = False  # ended by Buy It Now
    grouped: bool = False


@dataclass(frozen=True)
class Snapshot:
    now_ms: int
    rows: tuple[Row, ...]

    @property
    def settled(self) -> int:
        return sum(1 for row in self.rows if row.status in TERMINAL)

    @property
    def over(self) -> bool:
        """Every snipe settled and every auction ended: nothing more will move."""
        return all(row.status in TERMINAL and row.ended for row in self.rows)


@dataclass(frozen=True)
class Result:
    """One snipe once everything is over."""

    title: str
    status: str
    reason: str | None
    final_price: str | None
    target_ms: int
    landed_ms_before_close: float | None  # our bid's arrival at eBay; None: no bid arrived
    email_subject: str | None
    differences: tuple[str, ...] = ()
    grouped: bool = False


@dataclass(frozen=True)
class Watched:
    """An item of the watch list, as GET /wishlist/items gave it."""

    title: str
    price: str
    bid_count: int
    closes_ms: int | None


@dataclass(frozen=True)
class SnipeSet:
    """A snipe as POST /bids answered."""

    title: str
    max_bid: str
    status: str
    fires_ms: int
    story: str
    grouped: bool = False


# ------------------------------------------------------------------ pieces


def clock_time(epoch_ms: int, *, millis: bool = False) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    text = moment.strftime("%H:%M:%S")
    return f"{text}.{epoch_ms % 1000:03d}" if millis else text


def countdown(ms: int) -> str:
    """Whole seconds left, rounded up (a close 0.2 s away still shows 0:01), as m:ss."""
    seconds = max(0, -(-ms // 1000))
    return f"{seconds // 60}:{seconds % 60:02d}"


def outcome(status: str, reason: str | None) -> str:
    return f"{status} {reason}" if reason else status


def _marked(title: str, grouped: bool) -> str:
    return f"{title} {GROUP_MARK}" if grouped else title


def _short(title: str, grouped: bool) -> str:
    """The title as the change lines show it: marked, and cut to the tables' width."""
    marked = _marked(title, grouped)
    return marked if len(marked) <= _TITLE_WIDTH else marked[: _TITLE_WIDTH - 1] + "…"


def _item_column() -> Column:
    return Column("ITEM", max_width=_TITLE_WIDTH, no_wrap=True, overflow="ellipsis")


def _table(*columns: str | Column, title: str | None = None) -> Table:
    """The demo's tables: no box, a bold header, columns two spaces apart, flush left."""
    return Table(
        *columns,
        box=None,
        pad_edge=False,
        padding=(0, 2, 0, 0),
        header_style="bold",
        title=title,
        title_justify="left",
        title_style="bold",
    )


def _right(header: str, min_width: int | None = None) -> Column:
    return Column(header, justify="right", no_wrap=True, min_width=min_width)


# ------------------------------------------------------------------ before the watch


def watch_list(items: Sequence[Watched]) -> Table:
    table = _table(_item_column(), _right("PRICE"), _right("BIDS"), "CLOSES (UTC)")
    for item in items:
        closes = clock_time(item.closes_ms) if item.closes_ms is not None else "?"
        table.add_row(Text(item.title), item.price, str(item.bid_count), closes)
    return table


def snipes_set(snipes: Sequence[SnipeSet]) -> Table:
    table = _table(_item_column(), _right("MAX"), "SNIPE", "BIDS AT", "WHAT IT SHOWS")
    for snipe in snipes:
        table.add_row(
            Text(_marked(snipe.title, snipe.grouped)),
            snipe.max_bid,
            snipe.status,
            clock_time(snipe.fires_ms),
            Text(snipe.story),
        )
    return table


# ------------------------------------------------------------------ the live table


def live_table(snapshot: Snapshot) -> RenderableType:
    now = snapshot.now_ms
    table = _table(
        Column("", width=1),
        _item_column(),
        _right("MAX"),
        _right("PRICE", min_width=_PRICE_WIDTH),
        _right("BIDS"),
        Column("SNIPE", min_width=_OUTCOME_WIDTH, no_wrap=True),
        _right("BID IN"),
        _right("CLOSES IN"),
        title=f"Live at {clock_time(now)} UTC: "
        f"{snapshot.settled} of {len(snapshot.rows)} snipes settled",
    )
    for row in snapshot.rows:
        table.add_row(
            ">" if row.status == "BIDDING" else "",
            Text(_marked(row.title, row.grouped)),
            row.max_bid,
            row.price or "",
            str(row.bid_count),
            Text(outcome(row.status, row.reason), style=STATUS_STYLE.get(row.status, "")),
            _bid_in(row, now),
            _closes_in(row, now),
        )
    if any(row.grouped for row in snapshot.rows):
        return Group(table, Text(), Text(GROUP_NOTE))
    return table


def _bid_in(row: Row, now_ms: int) -> str:
    if row.status in WAITING and not row.ended:
        return countdown(row.fires_ms - now_ms)
    return "now" if row.status == "BIDDING" else ""


def _closes_in(row: Row, now_ms: int) -> str:
    if row.bought:
        return "bought"
    return "closed" if row.ended else countdown(row.closes_ms - now_ms)


# ------------------------------------------------------------------ one line per change


def changes(previous: Snapshot | None, current: Snapshot) -> list[str]:
    """A line for each snipe whose state changed since `previous` (all of them at first)."""
    before = {row.title: row for row in previous.rows} if previous else {}
    lines: list[str] = []
    for row in current.rows:
        old = before.get(row.title)
        if old is not None and (old.status, old.reason) == (row.status, row.reason):
            continue
        where = f"price {row.price}, {row.bid_count} bid{'' if row.bid_count == 1 else 's'}"
        closes = _closes_in(row, current.now_ms)
        when = closes if row.ended else f"closes in {closes}"
        lines.append(
            f"{clock_time(current.now_ms)} UTC  {_short(row.title, row.grouped):<{_TITLE_WIDTH}} "
            f"{outcome(row.status, row.reason):<{_OUTCOME_WIDTH}} {where}; {when}"
        )
    return lines


# ------------------------------------------------------------------ the summary


def summary(results: Sequence[Result], currency: str = "USD") -> RenderableType:
    """Per snipe: the outcome, the final price, the instant aimed at, how long before the close
    the bid reached eBay, whether that is what the script expects; then the emails sent."""
    outcomes = _table(
        _item_column(),
        Column("OUTCOME", no_wrap=True),
        _right(f"FINAL {currency}"),
        "TARGET (UTC)",
        _right("LANDED"),
        "SCRIPT",
    )
    emails = _table(_item_column(), "EMAIL")
    for result in results:
        landed = result.landed_ms_before_close
        title = Text(_marked(result.title, result.grouped))
        outcomes.add_row(
            title,
            Text(outcome(result.status, result.reason), style=STATUS_STYLE.get(result.status, "")),
            result.final_price or "-",
            clock_time(result.target_ms, millis=True),
            f"{landed:,.0f} ms" if landed is not None else "no bid",
            Text("DIFFERS", style="bold red") if result.differences else "ok",
        )
        emails.add_row(title, Text(f"“{result.email_subject}”" if result.email_subject else "none"))
    notes = [
        "",
        "TARGET: the instant the bid was aimed to reach eBay (the close minus the offset).",
        "LANDED: how long before the close the bid reached the simulator.",
    ]
    if any(result.grouped for result in results):
        notes.append(GROUP_NOTE)
    return Group(outcomes, *map(Text, notes), Text(), emails, Text(), *map(Text, verdict(results)))


def verdict(results: Sequence[Result]) -> list[str]:
    differing = [result for result in results if result.differences]
    if not differing:
        return [f"All {len(results)} snipes settled as the script expects."]
    lines = [f"{len(differing)} of {len(results)} snipes differed from the script:"]
    for result in differing:
        lines += [f"  {result.title}: {difference}" for difference in result.differences]
    return lines
