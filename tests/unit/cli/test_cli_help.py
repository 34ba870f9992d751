"""`sniper --help` documents the exit statuses and the stack options; every command has help;
the local stack's commands are not imported to print it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sniper.cli.main import build_parser, main

COMMANDS = ("login", "logout", "whoami", "link-ebay", "watchlist", "add", "ls", "show", "edit",
            "cancel", "history", "stats", "local", "demo", "token")  # fmt: skip


def test_help_documents_exit_statuses_and_stacks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    printed = capsys.readouterr().out
    for words in ("exit status:", "0  done", "1  refused or failed", "2  usage",
                  "--stack NAME", "SNIPER_STACK", "readable by you only"):  # fmt: skip
        assert words in printed
    for command in COMMANDS:
        assert f"    {command} " in printed


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: sniper {command}")


def test_options_may_come_before_or_after_the_command() -> None:
    parser = build_parser()
    before = parser.parse_args(["--stack", "prod", "--json", "ls"])
    after = parser.parse_args(["ls", "--stack", "prod", "--json"])
    assert (before.stack, before.json) == (after.stack, after.json) == ("prod", True)


def test_help_and_version_import_neither_the_local_stack_nor_the_sdks() -> None:
    probe = (
        "import sys; from sniper.cli.main import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('moto', 'boto3', 'sniper.devstack.local', 'pycognito', 'rich', 'requests')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines()[-1] == ""
    assert ran.stdout.startswith("sniper ")
