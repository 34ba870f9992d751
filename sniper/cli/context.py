"""What every command is handed: its arguments, where output goes, its way in to the stack,
and how to ask the user something."""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import dataclass
from typing import TextIO

from sniper.cli.access import Access
from sniper.cli.errors import UsageError
from sniper.cli.render import Output


class Prompts:
    """Questions on stderr, answers from stdin; secrets only from a terminal (never echoed)."""

    def __init__(self, output: Output, stdin: TextIO | None = None) -> None:
        self._output = output
        self._stdin = stdin

    @property
    def stdin(self) -> TextIO:
        return self._stdin or sys.stdin

    @property
    def interactive(self) -> bool:
        return self.stdin.isatty()

    def line(self, question: str) -> str | None:
        """One line from stdin (a terminal or a pipe); None at the end of input."""
        self._output.err.print(question, end="")
        self._output.err.file.flush()
        answer = self.stdin.readline()
        if not answer:
            return None
        return answer.strip()

    def secret(self, question: str, *, flag: str) -> str:
        if not self.interactive:
            raise UsageError(
                "A password is needed and there is no terminal to ask it in.",
                hint=f"Pass it on standard input with {flag}.",
            )
        return getpass.getpass(question, stream=sys.stderr)


@dataclass
class Context:
    args: argparse.Namespace
    output: Output
    access: Access
    prompts: Prompts
