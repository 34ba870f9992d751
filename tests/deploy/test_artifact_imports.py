"""Each function's artifact holds only what it can import on Lambda: every import of every module
the build ships is the standard library, a shipped module, or a distribution of the dependencies
layer (layers/dependencies/requirements.txt). Read from the source, so it holds on any machine
(the layer's wheels are for arm64 Linux and cannot be imported here)."""

from __future__ import annotations

import importlib.metadata
import re
import sys

from tests.deploy.conftest import ROOT
from tests.support.imports import imports_of, modules

LOCK = ROOT / "layers" / "dependencies" / "requirements.txt"
MAKEFILE = ROOT / "Makefile"


def _not_shipped() -> tuple[str, ...]:
    """The Makefile's NOT_SHIPPED, as dotted names: the one list of what the build leaves out."""
    match = re.search(r"^NOT_SHIPPED := (.+)$", MAKEFILE.read_text(), re.MULTILINE)
    assert match, "the Makefile names what the function builds leave out (NOT_SHIPPED)"
    return tuple(path.replace("/", ".") for path in match.group(1).split())


def _layer_top_level_names() -> set[str]:
    locked = {
        re.split(r"[=<>\[ ]", line, maxsplit=1)[0].lower().replace("_", "-")
        for line in LOCK.read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    }
    names: set[str] = set()
    for top, distributions in importlib.metadata.packages_distributions().items():
        if any(d.lower().replace("_", "-") in locked for d in distributions):
            names.add(top)
    return names


def test_the_build_leaves_out_the_dev_stack_and_the_cli() -> None:
    assert set(_not_shipped()) == {"sniper.devstack", "sniper.cli"}


def test_every_shipped_module_imports_only_what_lambda_has() -> None:
    not_shipped = _not_shipped()
    shipped = {
        name: path
        for name, path in modules().items()
        if not any(name == p or name.startswith(p + ".") for p in not_shipped)
    }
    layer = _layer_top_level_names()
    assert {"aiobotocore", "msgspec", "aws_lambda_powertools"} <= layer
    missing = []
    for name, path in shipped.items():
        for found in imports_of(name, path):
            if found.typing_only:
                continue
            top = found.target.split(".")[0]
            if top == "sniper":
                module = found.target
                # `from sniper.x import name`: the module is sniper.x when name is not a module.
                if module not in shipped and module.rpartition(".")[0] not in shipped:
                    missing.append(f"{name}:{found.line} {found.target} (not shipped)")
            elif top not in sys.stdlib_module_names and top not in layer:
                missing.append(f"{name}:{found.line} {found.target} (not in the layer)")
    assert missing == []
