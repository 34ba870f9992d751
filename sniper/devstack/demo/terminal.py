"""Where the demo shows itself: a rich console, which knows whether it is a terminal.

In a terminal the snipes are one table redrawn in place (rich's Live); anywhere else (a pipe, a
CI log) they are a line per state change, since cursor movements would only be noise there.
"""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.live import Live
from rich.text import Text

from sniper.devstack.demo.view import Snapshot, changes, live_table


def say(console: Console, *lines: str | RenderableType) -> None:
    """Lines as they are: no markup, no highlighting, never wrapped by us."""
    for line in lines:
        console.print(Text(line) if isinstance(line, str) else line, soft_wrap=True)


class SnipeWatch:
    """Shows each snapshot of the snipes, in the way that suits the console."""

    def __init__(self, console: Console) -> None:
        self._console = console
        redraws = console.is_terminal and not console.is_dumb_terminal
        self._live = Live(console=console, auto_refresh=False) if redraws else None
        self._previous: Snapshot | None = None

    def __enter__(self) -> SnipeWatch:
        if self._live is not None:
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()  # the last drawing stays on the screen

    def show(self, snapshot: Snapshot) -> None:
        if self._live is not None:
            self._live.update(live_table(snapshot), refresh=True)
        else:
            say(self._console, *changes(self._previous, snapshot))
        self._previous = snapshot
