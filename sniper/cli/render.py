"""How results look: rich tables in a terminal, JSON for scripts (`--json`), errors on stderr."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sniper.cli.errors import CliError
from sniper.cli.timing import Mark, Stats, instant, landed_before_close, seconds, t_minus

STATUS_STYLE = {
    "SCHEDULED": "cyan",
    "ARMED": "yellow",
    "BIDDING": "bold yellow",
    "PLACED": "yellow",
    "WON": "bold green",
    "LOST": "red",
    "CANCELLED": "dim",
    "SKIPPED": "magenta",
    "FAILED": "bold red",
}


def _console(*, stderr: bool) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Piped or captured: wide enough that titles and ids are not cut.
        console = Console(stderr=stderr, highlight=False, width=140)
    return console


class Output:
    def __init__(
        self, *, json_mode: bool, out: Console | None = None, err: Console | None = None
    ) -> None:
        self.json_mode = json_mode
        self.out = out or _console(stderr=False)
        self.err = err or _console(stderr=True)

    def result(self, human: Any, data: Any) -> None:
        """The command's result: `human` (a renderable or text) in a terminal, `data` as JSON."""
        if self.json_mode:
            self.emit_json(data)
        else:
            self.out.print(human)

    def emit_json(self, data: Any) -> None:
        # Plain print, not rich: nothing may wrap or colour what a script parses.
        self.out.file.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        self.out.file.flush()

    def say(self, text: Any) -> None:
        """A line for people: on stdout normally, on stderr under --json (stdout is data)."""
        (self.err if self.json_mode else self.out).print(text)

    def note(self, text: str) -> None:
        """Progress and prompts' surroundings: always stderr."""
        self.err.print(text, style="dim")

    def raw(self, line: str) -> None:
        """A line printed as is (never wrapped), e.g. a URL to copy."""
        stream = self.err.file if self.json_mode else self.out.file
        stream.write(line + "\n")
        stream.flush()

    def error(self, error: CliError) -> None:
        self.err.print(Text.assemble(("error: ", "bold red"), error.message))
        for label, value in error.details:
            self.err.print(f"  {label}: {value}")
        if error.hint:
            self.err.print(Text(error.hint, style="yellow"))


# ---------------------------------------------------------------- small things


def money(value: Mapping[str, Any] | None) -> str:
    if not value:
        return "—"
    return f"{value['value']} {value['currency']}"


def local_time(text: str | None, *, precise: bool = False) -> str:
    if not text:
        return "—"
    moment = instant(text).astimezone()
    if precise:
        return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def duration(total: float) -> str:
    total = abs(total)
    if total < 60:
        return f"{total:.0f}s"
    minutes, secs = divmod(int(total), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    return f"{hours // 24}d {hours % 24}h"


def relative(text: str | None, now: datetime | None = None) -> str:
    if not text:
        return "—"
    delta = seconds(instant(text) - (now or datetime.now(UTC)))
    return f"in {duration(delta)}" if delta >= 0 else f"{duration(delta)} ago"


def status(value: str, reason: str | None = None) -> Text:
    text = Text(value, style=STATUS_STYLE.get(value, ""))
    if reason:
        text.append(f" {reason}", style="dim")
    return text


# ---------------------------------------------------------------- tables


def bids_table(bids: Iterable[Mapping[str, Any]], now: datetime | None = None) -> Table:
    table = Table(title="Snipes", title_justify="left")
    for column in ("ID", "Item", "Title", "Max", "Offset", "Status", "Closes"):
        table.add_column(column, overflow="fold")
    for bid in bids:
        group = bid.get("group")
        title = bid.get("title", "")
        if group:
            title += f"  [group {group['groupId']}, wants {group['maxWins']}]"
        table.add_row(
            bid["bidId"],
            bid.get("legacyItemId") or bid.get("itemId", ""),
            title,
            money(bid.get("maxBid")),
            f"{float(bid.get('offsetSeconds', 0)):g} s",
            status(bid["status"], bid.get("reason")),
            f"{local_time(bid.get('auctionEnd'))} ({relative(bid.get('auctionEnd'), now)})",
        )
    return table


def watchlist_table(items: Iterable[Mapping[str, Any]], now: datetime | None = None) -> Table:
    table = Table(title="Watch list", title_justify="left")
    for column in ("Item", "Title", "Price", "Bids", "Ends", "Snipe"):
        table.add_column(column, overflow="fold")
    for item in items:
        snipe = item.get("snipe")
        kind = (
            "" if item.get("isAuction", True) else f" ({item.get('listingType', 'not an auction')})"
        )
        table.add_row(
            item.get("legacyItemId") or item.get("itemId", ""),
            item.get("title", "") + kind,
            money(item.get("currentPrice")),
            str(item.get("bidCount", 0)),
            relative(item.get("endTime"), now) if item.get("endTime") else "—",
            Text.assemble(
                status(snipe["status"]), f" {money(snipe.get('maxBid'))} ({snipe['bidId']})"
            )
            if snipe
            else Text("—"),
        )
    return table


def history_table(entries: Iterable[Mapping[str, Any]]) -> Table:
    table = Table(title="History", title_justify="left")
    for column in ("Settled", "ID", "Title", "Outcome", "Max", "Final price", "Landed"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        lead = landed_before_close(entry["timing"]) if entry.get("timing") else None
        table.add_row(
            local_time(entry.get("settledAt")),
            entry["bidId"],
            entry.get("title", ""),
            status(entry["outcome"], entry.get("reason")),
            money(entry.get("maxBid")),
            money(entry.get("finalPrice")),
            t_minus(lead) if lead is not None else "no bid",
        )
    return table


def _bids(count: int) -> str:
    return f"{count} bid" if count == 1 else f"{count} bids"


def timeline_table(found: list[Mark]) -> Table:
    table = Table(title="Timeline (T = the close)", title_justify="left")
    table.add_column("T", justify="right")
    table.add_column("Local time")
    table.add_column("Event")
    table.add_column("", style="dim")
    for mark in found:
        table.add_row(
            t_minus(mark.before_close),
            local_time(mark.at.isoformat(), precise=True),
            mark.label,
            mark.note,
        )
    return table


def stats_table(figures: Stats, *, since: str | None) -> Table:
    table = Table(
        title="Your snipes" + (f" since {since}" if since else ""),
        title_justify="left",
        show_header=False,
    )
    table.add_column("what")
    table.add_column("how many", justify="right")
    for outcome in ("WON", "LOST", "SKIPPED", "FAILED", "CANCELLED"):
        table.add_row(status(outcome), str(figures.counts[outcome]))
    rate = figures.win_rate
    table.add_row("win rate (of bids placed)", f"{rate:.0%}" if rate is not None else "—")
    for currency, total in sorted(figures.paid.items()):
        table.add_row(f"paid for wins ({currency})", f"{total:.2f}")
    median, worst = figures.median_landing, figures.worst_landing
    table.add_row(
        f"median landing before the close ({_bids(len(figures.landings))})",
        f"{median:.3f} s" if median is not None else "—",
    )
    table.add_row(
        "worst landing (closest to the close)", f"{worst:.3f} s" if worst is not None else "—"
    )
    return table
