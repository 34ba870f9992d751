"""How the demo looks in a terminal. Pure: snapshots in, lines (strings) out; no I/O, no clock.

A TTY gets a live table redrawn in place (`live_table` + `redraw`); anything else (a pipe, a log,
CI) gets one line per state change (`changes`), since cursor movements would only be noise there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

SETTLED = frozenset({"WON", "LOST", "CANCELLED", "SKIPPED", "FAILED"})
WAITING = frozenset({"SCHEDULED", "ARMED"})

_COLORS = {
    "WON": "32",  # green
    "LOST": "31",  # red
    "FAILED": "1;31",
    "SKIPPED": "33",  # yellow
    "CANCELLED": "2",
    "PLACED": "36",  # cyan
    "BIDDING": "1;35",
    "ARMED": "35",
}
GROUP_MARK = "*"
_TITLE_WIDTH = 26


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
        return sum(1 for row in self.rows if row.status in SETTLED)


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


def paint(text: str, status: str, *, color: bool) -> str:
    code = _COLORS.get(status)
    return f"\x1b[{code}m{text}\x1b[0m" if color and code else text


def _title(title: str, grouped: bool, width: int) -> str:
    marked = f"{title} {GROUP_MARK}" if grouped else title
    return marked if len(marked) <= width else marked[: width - 1] + "…"


# ------------------------------------------------------------------ before the watch

_WATCHED = "   {title:<26} {price:>8} {bids:>5}  {closes}"
_SET = "   {title:<26} {max:>8}  {status:<9}  {fires:<8}  {story}"


def watch_list(items: Sequence[Watched]) -> list[str]:
    lines = [_WATCHED.format(title="ITEM", price="PRICE", bids="BIDS", closes="CLOSES (UTC)")]
    for item in items:
        closes = clock_time(item.closes_ms) if item.closes_ms is not None else "?"
        lines.append(
            _WATCHED.format(
                title=_title(item.title, False, _TITLE_WIDTH),
                price=item.price,
                bids=item.bid_count,
                closes=closes,
            )
        )
    return lines


def snipes_set(snipes: Sequence[SnipeSet]) -> list[str]:
    lines = [
        _SET.format(title="ITEM", max="MAX", status="SNIPE", fires="BIDS AT", story="WHAT IT SHOWS")
    ]
    for snipe in snipes:
        lines.append(
            _SET.format(
                title=_title(snipe.title, snipe.grouped, _TITLE_WIDTH),
                max=snipe.max_bid,
                status=snipe.status,
                fires=clock_time(snipe.fires_ms),
                story=snipe.story,
            )
        )
    return lines


# ------------------------------------------------------------------ the live table

_LIVE = "{mark:<1} {title:<26} {max:>7} {price:>8} {bids:>5}  {status} {bid:>7} {close:>10}"
_STATUS_WIDTH = 28


def live_table(snapshot: Snapshot, *, color: bool = False) -> list[str]:
    now = snapshot.now_ms
    header = _LIVE.format(
        mark="", title="ITEM", max="MAX", price="PRICE", bids="BIDS",
        status=f"{'SNIPE':<{_STATUS_WIDTH}}", bid="BID IN", close="CLOSES IN",
    )  # fmt: skip
    lines = [
        f"Live at {clock_time(now)} UTC: {snapshot.settled} of {len(snapshot.rows)} snipes settled",
        "",
        header,
    ]
    for row in snapshot.rows:
        status = paint(
            f"{outcome(row.status, row.reason):<{_STATUS_WIDTH}}", row.status, color=color
        )
        line = _LIVE.format(
            mark=">" if row.status == "BIDDING" else "",
            title=_title(row.title, row.grouped, _TITLE_WIDTH),
            max=row.max_bid,
            price=row.price or "",
            bids=row.bid_count,
            status=status,
            bid=_bid_in(row, now),
            close=_closes_in(row, now),
        )
        lines.append(line.rstrip())
    if any(row.grouped for row in snapshot.rows):
        lines += ["", f"{GROUP_MARK} one group: win at most one of these"]
    return lines


def _bid_in(row: Row, now_ms: int) -> str:
    if row.status in WAITING and not row.ended:
        return countdown(row.fires_ms - now_ms)
    return "now" if row.status == "BIDDING" else ""


def _closes_in(row: Row, now_ms: int) -> str:
    if row.bought:
        return "bought"
    return "closed" if row.ended else countdown(row.closes_ms - now_ms)


def redraw(lines: Sequence[str], previous_count: int) -> str:
    """The text that replaces the last drawing (`previous_count` lines) by `lines` in place:
    back to the first line drawn, clear to the end of the screen, draw."""
    back = f"\x1b[{previous_count}F" if previous_count else ""
    return back + "\x1b[J" + "".join(f"{line}\n" for line in lines)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def clip(line: str, width: int) -> str:
    """At most `width` visible characters (colour codes do not count, and are kept), so that a
    narrow terminal does not wrap a line and throw the in-place redraw off."""
    visible = 0
    kept: list[str] = []
    position = 0
    for code in _ANSI.finditer(line):
        text = line[position : code.start()]
        kept.append(text[: max(0, width - visible)])
        visible += len(text)
        kept.append(code.group())
        position = code.end()
    kept.append(line[position:][: max(0, width - visible)])
    return "".join(kept)


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
        title = _title(row.title, row.grouped, _TITLE_WIDTH)
        lines.append(
            f"{clock_time(current.now_ms)} UTC  {title:<26} "
            f"{outcome(row.status, row.reason):<{_STATUS_WIDTH}} {where}; {when}"
        )
    return lines


# ------------------------------------------------------------------ the summary

_SUMMARY = "{title:<26} {outcome:<28} {price:>9}  {target:<12}  {landed:>8}  {script}"
_EMAIL_INDENT = " " * 27


def summary(results: Sequence[Result], currency: str = "USD") -> list[str]:
    """Per snipe: the outcome, the final price, the instant aimed at, how long before the close
    the bid reached eBay, whether that is what the script expects, and the email sent."""
    header = _SUMMARY.format(
        title="ITEM", outcome="OUTCOME", price=f"FINAL {currency}", target="TARGET (UTC)",
        landed="LANDED", script="SCRIPT",
    )  # fmt: skip
    lines = [header]
    for result in results:
        landed = result.landed_ms_before_close
        lines.append(
            _SUMMARY.format(
                title=_title(result.title, result.grouped, _TITLE_WIDTH),
                outcome=outcome(result.status, result.reason),
                price=result.final_price or "-",
                target=clock_time(result.target_ms, millis=True),
                landed=f"{landed:,.0f} ms" if landed is not None else "no bid",
                script="DIFFERS" if result.differences else "ok",
            )
        )
        email = f"“{result.email_subject}”" if result.email_subject else "none"
        lines.append(f"{_EMAIL_INDENT}email: {email}")
    lines += [
        "",
        "TARGET: the instant the bid was aimed to reach eBay (the close minus the offset).",
        "LANDED: how long before the close the bid reached the simulator.",
    ]
    if any(result.grouped for result in results):
        lines.append(f"{GROUP_MARK} one group: win at most one of these")
    lines.append("")
    differing = [result for result in results if result.differences]
    if not differing:
        lines.append(f"All {len(results)} snipes settled as the script expects.")
        return lines
    lines.append(f"{len(differing)} of {len(results)} snipes differed from the script:")
    for result in differing:
        lines += [f"  {result.title}: {difference}" for difference in result.differences]
    return lines
