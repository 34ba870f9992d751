"""Rich renderables read back as the text a terminal or a pipe would show."""

from __future__ import annotations

import io
import re

from rich.console import Console, RenderableType

# SGR (colour) sequences, and the cursor and erase sequences a redrawing display writes.
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CURSOR = re.compile(r"\x1b\[(?:\?25[hl]|[0-9]*[ABFGJK])")


def console_on(out: io.StringIO, *, width: int = 120, terminal: bool = False) -> Console:
    """A console writing to `out`: a colour terminal `width` wide, or a pipe."""
    return Console(
        file=out,
        width=width,
        force_terminal=terminal,
        color_system="standard" if terminal else None,
        _environ={},  # neither the developer's NO_COLOR, TERM nor COLUMNS
    )


def rendered(renderable: RenderableType, *, width: int = 120, color: bool = False) -> list[str]:
    """The lines shown, without the padding rich leaves at their ends."""
    out = io.StringIO()
    console_on(out, width=width, terminal=color).print(renderable)
    return [line.rstrip() for line in out.getvalue().splitlines()]
