"""Load layers/dependencies/lock.py (a script, not a package) for the tests."""

from __future__ import annotations

import importlib.util
from functools import cache
from types import ModuleType

from tests.deploy.conftest import ROOT

LOCK_SCRIPT = ROOT / "layers" / "dependencies" / "lock.py"
LOCK_FILE = ROOT / "layers" / "dependencies" / "requirements.txt"


@cache
def lock_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layer_lock", LOCK_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
