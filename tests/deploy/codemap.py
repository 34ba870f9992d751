"""What the deployed code is, read from its source without running it.

- `closure(module)`: the `sniper` modules a handler imports at run time (imports guarded by
  `TYPE_CHECKING` do not count: they never run on Lambda), and the third-party packages they need.
- `adapters()`: every class that talks to AWS, and per method the IAM actions its calls need,
  derived from the aioboto3 calls in its source (`await client.put_item(...)` -> dynamodb:PutItem).
- `construction_sites(...)`: where a handler's wiring builds an adapter, and which settings
  fields (hence which template resources) it is given.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import botocore.session
from botocore import xform_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "sniper"
# Never shipped to Lambda (the Makefile's build targets leave them out): the local stack and the
# eBay simulator.
NOT_SHIPPED = ("sniper.devstack", "sniper.cli")
# Modules that define AWS operations rather than call them (none since the executor moved to
# the SDK).
NOT_ADAPTERS: tuple[str, ...] = ()
# The AWS services the code has clients for, as botocore names them, and their IAM prefix.
SERVICES = {
    "dynamodb": "dynamodb",
    "kms": "kms",
    "secretsmanager": "secretsmanager",
    "scheduler": "scheduler",
    "lambda": "lambda",
    "sqs": "sqs",
    "cognito-idp": "cognito-idp",
}
# An adapter is a class handed an AWS client: these annotations name which service(s).
CLIENT_TYPES = {
    "DynamoDBClient": frozenset({"dynamodb"}),
    "KMSClient": frozenset({"kms"}),
    "SecretsManagerClient": frozenset({"secretsmanager"}),
    "EventBridgeSchedulerClient": frozenset({"scheduler"}),
    "LambdaClient": frozenset({"lambda"}),
    "SQSClient": frozenset({"sqs"}),
    "CognitoIdentityProviderClient": frozenset({"cognito-idp"}),
    "AwsClients": frozenset(SERVICES),
    "DynamoTable": frozenset({"dynamodb"}),
}
# Classes that other adapters wrap: their methods' actions count for the class that calls them.
HELPERS = frozenset({"DynamoTable"})
# Where the IAM action is not named like the API operation.
IAM_ACTION = {"lambda:Invoke": "lambda:InvokeFunction"}


@cache
def operations() -> dict[str, frozenset[str]]:
    """snake_case client method -> the IAM actions it may be (service:Operation)."""
    session = botocore.session.get_session()
    found: dict[str, set[str]] = {}
    for service, prefix in SERVICES.items():
        for name in session.get_service_model(service).operation_names:
            action = f"{prefix}:{name}"
            found.setdefault(xform_name(name), set()).add(IAM_ACTION.get(action, action))
    return {name: frozenset(actions) for name, actions in found.items()}


def module_path(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def parse(module: str) -> ast.Module:
    path = module_path(module)
    assert path is not None, module
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except what sits under `if TYPE_CHECKING:`."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _package_of(module: str) -> str:
    path = module_path(module)
    return module if path is not None and path.name == "__init__.py" else module.rpartition(".")[0]


def _with_parents(module: str) -> Iterator[str]:
    parts = module.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


def _method_nodes(tree: ast.AST) -> Iterator[tuple[str, str, ast.AST]]:
    """(class, method, node) for every node inside a method."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    for inner in ast.walk(item):
                        yield node.name, item.name, inner


def imports_of(module: str, *, nodes: Iterable[ast.AST] | None = None) -> tuple[set[str], set[str]]:
    """(sniper modules, third-party top-level names) that `module` imports at run time (or, with
    `nodes`, that those of its nodes import)."""
    ours: set[str] = set()
    theirs: set[str] = set()
    for node in runtime_nodes(parse(module)) if nodes is None else nodes:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(module)
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            names = [target]
            names += [f"{target}.{alias.name}" for alias in node.names]
        for name in names:
            top = name.split(".")[0]
            if top == "sniper":
                ours.update(m for m in _with_parents(name) if module_path(m) is not None)
            elif top and top not in sys.stdlib_module_names and top != "__future__":
                theirs.add(top)
    return ours, theirs


@dataclass(frozen=True)
class Closure:
    modules: frozenset[str]
    third_party: frozenset[str]


def _closure(modules: Iterable[str], *, in_methods: bool) -> Closure:
    seen: set[str] = set()
    third_party: set[str] = set()
    pending = [m for module in modules for m in _with_parents(module) if module_path(m)]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if in_methods:
            ours, theirs = imports_of(current)
        else:
            inside = {id(node) for _, _, node in _method_nodes(parse(current))}
            nodes = [n for n in runtime_nodes(parse(current)) if id(n) not in inside]
            ours, theirs = imports_of(current, nodes=nodes)
        third_party |= theirs
        pending.extend(ours - seen)
    return Closure(frozenset(seen), frozenset(third_party))


@cache
def closure(module: str) -> Closure:
    """Every module `module` may import at run time, whichever of its code runs."""
    return _closure([module], in_methods=True)


@cache
def function_closure(module: str) -> frozenset[str]:
    """The modules a function's code runs: what its handler imports, and what the methods it
    can reach import when they run (the composition root imports what it builds inside the
    method that builds it, so a function does not reach what it never asks for)."""
    modules = _closure([module], in_methods=False).modules
    while True:
        reached = reached_methods(modules)
        imported: set[str] = set()
        for current in modules:
            nodes = [n for cls, name, n in _method_nodes(parse(current)) if (cls, name) in reached]
            imported |= imports_of(current, nodes=nodes)[0]
        if imported <= modules:
            return modules
        modules = modules | _closure(imported, in_methods=False).modules


def shipped_modules() -> list[str]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not name.startswith(NOT_SHIPPED):
            modules.append(name)
    return modules


# ---------------------------------------------------------------- adapters
def _awaited_calls(node: ast.AST) -> Iterator[str]:
    for inner in ast.walk(node):
        if (
            isinstance(inner, ast.Await)
            and isinstance(inner.value, ast.Call)
            and isinstance(inner.value.func, ast.Attribute)
        ):
            yield inner.value.func.attr


def _attribute_calls(node: ast.AST) -> Iterator[ast.Call]:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
            yield inner


@dataclass
class Adapter:
    name: str
    module: str
    # method -> IAM actions it needs (its own calls, its helpers' and its other methods').
    methods: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def actions(self) -> frozenset[str]:
        return frozenset().union(*self.methods.values()) if self.methods else frozenset()

    def actions_of(self, reached: Iterable[tuple[str, str]]) -> frozenset[str]:
        wanted = {name for cls, name in reached if cls == self.name}
        return frozenset().union(
            *(actions for name, actions in self.methods.items() if name in wanted)
        )


def _direct_actions(
    function: ast.AST, helpers: dict[str, frozenset[str]], services: frozenset[str]
) -> set[str]:
    ops = operations()
    prefixes = {SERVICES[service] + ":" for service in services}
    found: set[str] = set()
    for name in _awaited_calls(function):
        # Only the services the class was handed: `browse.get_item` is eBay's, not DynamoDB's.
        found |= {action for action in ops.get(name, ()) if action.startswith(tuple(prefixes))}
    for call in _attribute_calls(function):
        found |= helpers.get(call.func.attr, frozenset())  # type: ignore[union-attr]
    # `async for ... in table.query_all()` is iterated, not awaited.
    return found


def _self_calls(function: ast.AST) -> set[str]:
    return {
        call.func.attr  # type: ignore[union-attr]
        for call in _attribute_calls(function)
        if isinstance(call.func.value, ast.Name) and call.func.value.id == "self"  # type: ignore[union-attr]
    }


def _annotation_names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _annotation_names(ast.parse(node.value, mode="eval").body)
    return {
        inner.id if isinstance(inner, ast.Name) else inner.attr
        for inner in ast.walk(node)
        if isinstance(inner, ast.Name | ast.Attribute)
    }


def client_services(function: ast.FunctionDef | ast.AsyncFunctionDef) -> frozenset[str]:
    """The AWS services a function's parameters are clients of (by their annotations)."""
    arguments = function.args
    names: set[str] = set()
    for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        names |= _annotation_names(argument.annotation)
    return frozenset().union(*(CLIENT_TYPES.get(name, frozenset()) for name in names))


def _scan_class(
    node: ast.ClassDef, module: str, helpers: dict[str, frozenset[str]]
) -> Adapter | None:
    functions = {
        item.name: item
        for item in node.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    init = functions.get("__init__")
    services = client_services(init) if init is not None else frozenset()
    if not services:
        return None
    direct = {name: _direct_actions(fn, helpers, services) for name, fn in functions.items()}
    calls = {name: _self_calls(fn) & set(functions) for name, fn in functions.items()}
    changed = True
    while changed:  # a method needs what the methods it calls need
        changed = False
        for name in functions:
            before = len(direct[name])
            for callee in calls[name]:
                direct[name] |= direct[callee]
            changed |= len(direct[name]) != before
    if not any(direct.values()):
        return None
    return Adapter(node.name, module, {name: frozenset(acts) for name, acts in direct.items()})


@cache
def adapters() -> dict[str, Adapter]:
    """Every class in the shipped code whose methods call AWS, by class name."""
    modules = [m for m in shipped_modules() if not m.startswith(NOT_ADAPTERS)]
    classes = [
        (module, node)
        for module in modules
        for node in ast.walk(parse(module))
        if isinstance(node, ast.ClassDef)
    ]
    helper_methods: dict[str, frozenset[str]] = {}
    for module, node in classes:
        if node.name in HELPERS:
            helper = _scan_class(node, module, {})
            if helper is not None:
                helper_methods.update(helper.methods)
    found: dict[str, Adapter] = {}
    for module, node in classes:
        adapter = _scan_class(node, module, {} if node.name in HELPERS else helper_methods)
        if adapter is not None:
            assert node.name not in found, f"two adapter classes named {node.name}"
            found[node.name] = adapter
    return found


def unattributed_calls() -> list[str]:
    """Functions outside classes that are handed an AWS client and call it (no adapter covers
    them, so no permission would be derived): where they are."""
    found = []
    for module in shipped_modules():
        if module.startswith(NOT_ADAPTERS):
            continue
        for node in parse(module).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                services = client_services(node)
                if services and _direct_actions(node, {}, services):
                    found.append(f"{module}:{node.lineno} {node.name}")
    return found


# ---------------------------------------------------------------- wiring
@dataclass(frozen=True)
class Site:
    """A place the wiring builds an adapter (`build`) or hands one a resource (`call`)."""

    adapter: str
    kind: str
    module: str
    line: int
    settings_fields: frozenset[str]


def _is_settings(node: ast.expr) -> bool:
    """`settings`, or the composition root's `self.settings`."""
    if isinstance(node, ast.Name):
        return node.id == "settings"
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "settings"
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _settings_fields(call: ast.Call) -> frozenset[str]:
    fields = set()
    for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
        for inner in ast.walk(argument):
            if isinstance(inner, ast.Attribute) and _is_settings(inner.value):
                fields.add(inner.attr)
    return frozenset(fields)


def _callee_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _factories(modules: Iterable[str]) -> dict[str, tuple[str, ast.AST]]:
    """Module-level functions that return an adapter: name -> (adapter, the function)."""
    known = adapters()
    found = {}
    for module in modules:
        for node in parse(module).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                returned = _annotation_names(node.returns) & set(known)
                if len(returned) == 1:
                    found[node.name] = (returned.pop(), node)
    return found


def _unreached(tree: ast.Module, reached: set[tuple[str, str]] | None) -> set[int]:
    """The nodes of methods that `reached` does not hold (all are reached when it is None):
    a composition root builds only what its function asks it for."""
    if reached is None:
        return set()
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if (
                    isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    and (node.name, item.name) not in reached
                ):
                    skipped |= {id(inner) for inner in ast.walk(item)}
    return skipped


def wiring(modules: Iterable[str], reached: set[tuple[str, str]] | None = None) -> list[Site]:
    """Where `modules` build adapters (directly or through a factory) and hand them resources;
    with `reached` (reached_methods), only in the methods the function can reach."""
    known = adapters()
    modules = sorted(modules)
    factories = _factories(modules)
    inside_factories = {
        id(inner) for _, function in factories.values() for inner in ast.walk(function)
    }
    sites: list[Site] = []
    for module in modules:
        unreached = _unreached(parse(module), reached)
        for node in runtime_nodes(parse(module)):
            if not isinstance(node, ast.Call) or id(node) in inside_factories | unreached:
                continue
            name = _callee_name(node)
            fields = _settings_fields(node)
            if name in known and name not in HELPERS:
                sites.append(Site(name, "build", module, node.lineno, fields))
            elif name in factories:
                sites.append(Site(factories[name][0], "build", module, node.lineno, fields))
            elif isinstance(node.func, ast.Attribute) and fields:
                # A resource handed to a method: `secrets.read(settings.ebay_secret_arn, ...)`.
                for adapter in known.values():
                    if name in adapter.methods and adapter.name not in HELPERS:
                        sites.append(Site(adapter.name, "call", module, node.lineno, fields))
    return sites


def _receiver(call: ast.Call) -> str | None:
    """`self.users.save()` -> "users"; `users.save()` -> "users"; else None."""
    if not isinstance(call.func, ast.Attribute):
        return None
    value = call.func.value
    if isinstance(value, ast.Await):
        return None
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Attribute):
        return value.attr
    return None


def _method_calls(nodes: Iterable[ast.AST]) -> set[tuple[str | None, str]]:
    calls = set()
    for node in nodes:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
                calls.add((_receiver(inner), inner.func.attr))
    return calls


def _names_to_classes(modules: Iterable[str], classes: set[str]) -> dict[str, set[str]]:
    """Which classes a parameter, attribute or variable of a given name holds, as far as the
    annotations and constructor/factory assignments in `modules` tell."""
    factories = {name: adapter for name, (adapter, _) in _factories(modules).items()}
    holds: dict[str, set[str]] = {}
    for module in modules:
        for node in ast.walk(parse(module)):
            if isinstance(node, ast.arg) and node.annotation is not None:
                holds.setdefault(node.arg, set()).update(
                    _annotation_names(node.annotation) & classes
                )
            elif isinstance(node, ast.AnnAssign):
                target = node.target
                name = target.id if isinstance(target, ast.Name) else getattr(target, "attr", None)
                if name:
                    holds.setdefault(name, set()).update(
                        _annotation_names(node.annotation) & classes
                    )
            elif isinstance(node, ast.Assign | ast.keyword):
                value = node.value
                if isinstance(value, ast.Await):
                    value = value.value
                if not isinstance(value, ast.Call):
                    continue
                callee = _callee_name(value)
                made = {callee} & classes if callee in classes else set()
                if callee in factories:
                    made = {factories[callee]}
                if not made:
                    continue
                targets = (
                    [node.arg]
                    if isinstance(node, ast.keyword)
                    else [
                        t.id if isinstance(t, ast.Name) else getattr(t, "attr", None)
                        for t in node.targets
                    ]
                )
                for name in targets:
                    if name:
                        holds.setdefault(name, set()).update(made)
    # `self.users = users`: the attribute holds what the parameter does.
    for module in modules:
        for node in ast.walk(parse(module)):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Name)
                and node.value.id in holds
            ):
                for target in node.targets:
                    if isinstance(target, ast.Attribute):
                        holds.setdefault(target.attr, set()).update(holds[node.value.id])
    return {name: found for name, found in holds.items() if found}


@cache
def _module_names(module: str) -> dict[str, tuple[str, str | None]]:
    """What `module`'s imports bind: name -> (module, None) for a module, (module, name) for a
    thing imported from one."""
    bound: dict[str, tuple[str, str | None]] = {}
    for node in runtime_nodes(parse(module)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                bound[name] = (alias.name if alias.asname else name, None)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                imported = (target, None) if module_path(target) else (node.module, alias.name)
                bound[alias.asname or alias.name] = imported
    return bound


def reached_methods(modules: Iterable[str]) -> set[tuple[str, str]]:
    """(class, method) pairs the code in `modules` can reach (an over-estimate).

    Module-level code is the root. A module-level function is reached where reached code names
    it (a call, or handing it on: `Entrypoint(build)`), resolved through the imports. A call
    `users.save()` reaches `save` of the classes a name `users` is known to hold (annotations,
    constructor and factory assignments; a name typed as a Protocol holds the classes that have
    every method it declares), inherited or not; a receiver of unknown type reaches every
    class's method of that name. Dunder methods are always reached. Methods handed around
    uncalled (`callback=users.get`) are not seen.
    """
    modules = sorted(modules)
    methods: dict[str, dict[str, tuple[str, ast.AST]]] = {}
    bases: dict[str, set[str]] = {}
    functions: dict[tuple[str, str], ast.AST] = {}
    pending: list[tuple[str, str | None, ast.AST]] = []  # (module, class, code) to read
    for module in modules:
        tree = parse(module)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        methods.setdefault(node.name, {})[item.name] = (module, item)
                bases.setdefault(node.name, set()).update(
                    *(_annotation_names(base) for base in node.bases)
                )
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions[(module, node.name)] = node
            elif not isinstance(node, ast.ClassDef):
                pending.append((module, None, node))  # runs on import

    def lineage(cls: str) -> list[str]:
        order, todo = [], [cls]
        while todo:
            current = todo.pop(0)
            if current in methods and current not in order:
                order.append(current)
                todo += sorted(bases.get(current, ()))
        return order

    def has(cls: str) -> set[str]:
        return set().union(*(set(methods[c]) for c in lineage(cls)))

    def function(target: tuple[str, str]) -> None:
        if target in functions and target not in reached_functions:
            reached_functions.add(target)
            pending.append((target[0], None, functions[target]))

    reached_functions: set[tuple[str, str]] = set()
    protocols = {cls for cls in methods if "Protocol" in bases.get(cls, ())}
    implementations = {
        protocol: {cls for cls in methods if cls not in protocols and has(protocol) <= has(cls)}
        for protocol in protocols
    }
    holds = {
        name: (found - protocols).union(*(implementations[p] for p in found & protocols))
        for name, found in _names_to_classes(modules, set(methods)).items()
    }

    def targets(receiver: str | None, name: str, current: str | None) -> set[tuple[str, str]]:
        if receiver == "self" and current in protocols:
            candidates = implementations[current]  # a Protocol's own method calls the class's
        elif receiver == "self" and current is not None:
            candidates = {current}
        elif receiver is not None and receiver in holds:
            candidates = holds[receiver]
        else:
            candidates = set(methods)
        found = set()
        for cls in candidates:
            owner = next((c for c in lineage(cls) if name in methods[c]), None)
            if owner is not None:
                found.add((owner, name))
        return found

    reached = {
        (cls, name) for cls, table in methods.items() for name in table if name.startswith("__")
    }
    pending += [(methods[c][n][0], c, methods[c][n][1]) for c, n in reached]
    while pending:
        module, current, code = pending.pop()
        bound = _module_names(module)
        for inner in ast.walk(code):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Load):
                origin, name = bound.get(inner.id, (module, inner.id))
                function((origin, name or inner.id))
            elif (
                isinstance(inner, ast.Attribute)
                and isinstance(inner.value, ast.Name)
                and bound.get(inner.value.id, ("", ""))[1] is None
            ):
                function((bound[inner.value.id][0], inner.attr))  # module.function
        for receiver, called in _method_calls([code]):
            if receiver is not None and bound.get(receiver, ("", ""))[1] is None:
                continue  # a module's function, not a method
            for cls, name in targets(receiver, called, current):
                if (cls, name) not in reached:
                    reached.add((cls, name))
                    pending.append((methods[cls][name][0], cls, methods[cls][name][1]))
    return reached
