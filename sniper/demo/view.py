"""How the demo looks in a terminal. Pure: snapshots in, lines (strings) out; no I/O, no clock.

A TTY gets a live table redrawn in place (`live_table` + `redraw`); anything else (a pipe, a log,
CI) gets one line per state change (`changes`), since cursor movements would only be noise there.
"""

from __future__ import annotations

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


# ------------------------------------------------------------------ the live table

_LIVE = "{mark:<1} {title:<27} {max:>7} {price:>7} {bids:>4}  {status} {bid:>7} {close:>9}"
_STATUS_WIDTH = 27


def live_table(snapshot: Snapshot, *, color: bool = False) -> list[str]:
    now = snapshot.now_ms
    lines = [
        f"Live at {clock_time(now)} UTC: {snapshot.settled} of {len(snapshot.rows)} snipes "
        "settled",
        "",
        _LIVE.format(
            mark="", title="ITEM", max="MAX", price="PRICE", bids="BIDS",
            status=f"{'SNIPE':<{_STATUS_WIDTH}}",
            bid="BIDS IN", close="CLOSES IN",
        ),  # fmt: skip
    ]
    for row in snapshot.rows:
        status = paint(
            f"{outcome(row.status, row.reason):<{_STATUS_WIDTH}}", row.status, color=color
        )
        line = _LIVE.format(
            mark=">" if row.status == "BIDDING" else "",
            title=_title(row.title, row.grouped, 27),
            max=row.max_bid,
            price=row.price or "",
            bids=row.bid_count,
            status=status,
            bid=_bid_in(row, now),
            close="closed" if row.ended else countdown(row.closes_ms - now),
        )
        lines.append(line.rstrip())
    if any(row.grouped for row in snapshot.rows):
        lines += ["", f"{GROUP_MARK} one group: win at most one of these"]
    return lines


def _bid_in(row: Row, now_ms: int) -> str:
    if row.status in WAITING and not row.ended:
        return countdown(row.fires_ms - now_ms)
    return "now" if row.status == "BIDDING" else ""


def redraw(lines: Sequence[str], previous_count: int) -> str:
    """The text that replaces the last drawing (`previous_count` lines) by `lines` in place:
    back to the first line drawn, clear to the end of the screen, draw."""
    back = f"\x1b[{previous_count}F" if previous_count else ""
    return back + "\x1b[J" + "".join(f"{line}\n" for line in lines)


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
        when = "closed" if row.ended else f"closes in {countdown(row.closes_ms - current.now_ms)}"
        lines.append(
            f"{clock_time(current.now_ms)} UTC  {_title(row.title, row.grouped, 27):<27} "
            f"{outcome(row.status, row.reason):<27} {where}; {when}"
        )
    return lines


# ------------------------------------------------------------------ the summary

_SUMMARY = "{title:<27} {outcome:<27} {price:>7}  {target:<12}  {landed:>9}  {script:<7}  {email}"


def summary(results: Sequence[Result], currency: str = "USD") -> list[str]:
    header = _SUMMARY.format(
        title="ITEM", outcome="OUTCOME", price=currency, target="TARGET (UTC)",
        landed="LANDED", script="SCRIPT", email="EMAIL SENT",
    )  # fmt: skip
    lines = [header]
    for result in results:
        landed = result.landed_ms_before_close
        lines.append(
            _SUMMARY.format(
                title=_title(result.title, result.grouped, 27),
                outcome=outcome(result.status, result.reason),
                price=result.final_price or "-",
                target=clock_time(result.target_ms, millis=True),
                landed=f"{landed:,.0f} ms" if landed is not None else "no bid",
                script="DIFFERS" if result.differences else "ok",
                email=f"“{result.email_subject}”" if result.email_subject else "-",
            ).rstrip()
        )
    lines += [
        "",
        "TARGET: when the bid was aimed to reach eBay. LANDED: how long before the close it "
        "reached the simulator.",
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
