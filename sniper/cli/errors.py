"""What can stop a command, and the exit status each gives (documented in `sniper --help`)."""

from __future__ import annotations

from typing import Final

DONE: Final = 0
FAILED: Final = 1  # refused or failed: the API said no, a wrong password, a snipe that failed
USAGE: Final = 2  # bad arguments, or no such stack


class CliError(Exception):
    """A command cannot go on; `message` says why in words, `exit_code` is the status."""

    exit_code = FAILED

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        details: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details  # (label, value) lines printed under the message


class UsageError(CliError):
    """The arguments do not make a command (argparse catches most; this is the rest)."""

    exit_code = USAGE


class UnknownStack(CliError):
    """No stack by that name: CloudFormation does not know it, or no local stack is running."""

    exit_code = USAGE


class NotSignedIn(CliError):
    """No usable sign-in for the stack: never signed in, signed out, or expired for good."""
