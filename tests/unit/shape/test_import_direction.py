"""What ships to Lambda never reaches for what does not: the development stack
(sniper.devstack: local stack, simulator, demo) and the command line (sniper.cli) may use the
deployable code, never the other way round, not even lazily inside a function."""

from __future__ import annotations

from tests.support.imports import imports_of, modules

NOT_DEPLOYED = ("sniper.devstack", "sniper.cli")


def _is(target: str, packages: tuple[str, ...]) -> bool:
    return any(target == p or target.startswith(p + ".") for p in packages)


def test_deployable_modules_import_neither_the_dev_stack_nor_the_cli() -> None:
    found = modules()
    deployable = {name: path for name, path in found.items() if not _is(name, NOT_DEPLOYED)}
    assert "sniper.executor.engine" in deployable and "sniper.devstack.local.stack" in found
    wrong = [
        f"{i.module}:{i.line} imports {i.target}"
        for name, path in deployable.items()
        for i in imports_of(name, path)
        if _is(i.target, NOT_DEPLOYED)
    ]
    assert wrong == []


def test_the_cli_reaches_the_dev_stack_only_from_inside_a_command() -> None:
    """`sniper --help` on a plain install (no moto): the dev stack is imported by `sniper local`
    alone, inside the function that runs it."""
    found = modules()
    at_top = []
    for name, path in found.items():
        if not _is(name, ("sniper.cli",)):
            continue
        source = path.read_text().splitlines()
        for i in imports_of(name, path):
            if _is(i.target, ("sniper.devstack",)) and not source[i.line - 1].startswith(" "):
                at_top.append(f"{i.module}:{i.line}")
    assert at_top == []
