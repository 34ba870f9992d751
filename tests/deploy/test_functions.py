"""Each function as deployed: its handler, what it imports, the environment it is given."""

from __future__ import annotations

import ast
import importlib
from importlib.metadata import packages_distributions

import pytest
from packaging.utils import canonicalize_name

from sniper import config
from sniper.devstack.local.template import Template
from tests.deploy import codemap
from tests.deploy.lockfile import LOCK_FILE, lock_module
from tests.deploy.permissions import SETTINGS

FUNCTIONS = sorted(SETTINGS)
# Set for every function in Globals, read by Powertools or Lambda rather than by settings.
GLOBAL_VARIABLES = frozenset({"ENVIRONMENT", "LOG_LEVEL", "POWERTOOLS_SERVICE_NAME"})
# Set by the local stack beyond what the template declares (its moto, simulator, sink, runtime).
LOCAL_ONLY_VARIABLES = frozenset(
    {
        "AWS_REGION",
        "AWS_ENDPOINT_URL",
        "LAMBDA_ENDPOINT_URL",
        "EBAY_BASE_URL",
        "POSTMARK_BASE_URL",
        "LOG_LEVEL",
    }
)


def test_the_template_has_exactly_the_eight_functions(template: Template) -> None:
    assert sorted(spec.logical_id for spec in template.functions()) == FUNCTIONS


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_handler_imports_and_is_callable(template: Template, logical_id: str) -> None:
    spec = template.function(logical_id)
    module = importlib.import_module(spec.module)
    assert callable(getattr(module, spec.attribute))


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_deployed_code_imports_only_what_is_shipped(template: Template, logical_id: str) -> None:
    # The build ships `sniper` without the local stack and the simulator, and the layer carries
    # only the locked runtime dependencies: anything else would fail at the first cold start.
    reach = codemap.closure(template.function(logical_id).module)
    assert not [m for m in reach.modules if m.startswith(codemap.NOT_SHIPPED)]
    locked = set(lock_module().parse_lock(LOCK_FILE.read_text(encoding="utf-8")))
    providers = packages_distributions()
    for name in sorted(reach.third_party):
        dists = {canonicalize_name(d) for d in providers.get(name, [])}
        assert dists & locked, f"{logical_id} imports {name}, which the layer does not carry"


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_handler_loads_the_settings_of_its_function(template: Template, logical_id: str) -> None:
    reach = codemap.closure(template.function(logical_id).module)
    loaded = set()
    for module in reach.modules:
        for node in ast.walk(codemap.parse(module)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "load_settings"
                and node.args
                and isinstance(node.args[0], ast.Name)
            ):
                loaded.add(node.args[0].id)
    assert loaded == {SETTINGS[logical_id]}


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_environment_matches_the_settings(template: Template, logical_id: str) -> None:
    kind = getattr(config, SETTINGS[logical_id])
    read = config.variables_read(kind)
    given = set(template.function(logical_id).environment)
    required = {name for name, needed in read.items() if needed}
    # Required variables must be set; optional ones keep their defaults unless set.
    assert required - given == set(), f"{logical_id} is missing required variables"
    # Nothing the function does not read (the globals aside), and nothing local-only.
    assert given - set(read) - GLOBAL_VARIABLES == set(), f"{logical_id} sets unread variables"
    assert (given - GLOBAL_VARIABLES) & LOCAL_ONLY_VARIABLES == set()
