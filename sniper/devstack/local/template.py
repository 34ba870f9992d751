"""Read `template.yaml`: the single description of the deployment, for the local stack and tests.

Only what the local stack needs is interpreted: tables (keys, indexes, TTL), functions (handler,
environment, HTTP routes), the API's CORS and authorizer, and the names of keys and secrets.
CloudFormation's short-form tags (!Ref, !Sub, ...) load as their long-form mappings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parents[3] / "template.yaml"

_INTRINSICS = ("Ref", "Condition")
_FN = ("Sub", "GetAtt", "If", "Equals", "Not", "And", "Or", "Join", "Select", "Split",
       "FindInMap", "ImportValue", "GetAZs", "Base64", "Cidr")  # fmt: skip


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    def build(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    return build


for _tag in _INTRINSICS:
    _CfnLoader.add_constructor(f"!{_tag}", _construct(_tag))
for _tag in _FN:
    _CfnLoader.add_constructor(f"!{_tag}", _construct(f"Fn::{_tag}"))


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    authorized: bool


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str
    environment: Mapping[str, Any]
    routes: tuple[Route, ...]
    timeout: int
    policies: tuple[Any, ...]

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    name_template: str
    key_schema: list[dict[str, str]]
    attribute_definitions: list[dict[str, str]]
    global_secondary_indexes: list[dict[str, Any]] = field(default_factory=list)
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    max_age: int


class Template:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.resources: Mapping[str, Any] = document["Resources"]
        self.globals: Mapping[str, Any] = document.get("Globals", {}).get("Function", {})
        self.parameters: Mapping[str, Any] = document.get("Parameters", {})

    @classmethod
    def load(cls, path: Path = TEMPLATE_PATH) -> Template:
        with path.open(encoding="utf-8") as handle:
            return cls(yaml.load(handle, Loader=_CfnLoader))  # noqa: S506 - SafeLoader subclass

    def of_type(self, resource_type: str) -> dict[str, Mapping[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.resources.items()
            if resource["Type"] == resource_type
        }

    def parameter_default(self, name: str) -> Any:
        return self.parameters[name].get("Default")

    def tables(self) -> list[TableSpec]:
        specs = []
        for logical_id, resource in self.of_type("AWS::DynamoDB::Table").items():
            props = resource["Properties"]
            ttl = props.get("TimeToLiveSpecification") or {}
            name = props["TableName"]
            specs.append(
                TableSpec(
                    logical_id=logical_id,
                    name_template=name["Fn::Sub"] if isinstance(name, dict) else name,
                    key_schema=props["KeySchema"],
                    attribute_definitions=props["AttributeDefinitions"],
                    global_secondary_indexes=props.get("GlobalSecondaryIndexes", []),
                    ttl_attribute=ttl.get("AttributeName") if ttl.get("Enabled") else None,
                )
            )
        return specs

    def functions(self) -> list[FunctionSpec]:
        default_env = self.globals.get("Environment", {}).get("Variables", {})
        api = next(iter(self.of_type("AWS::Serverless::HttpApi").values()))
        default_authorized = bool(api["Properties"].get("Auth", {}).get("DefaultAuthorizer"))
        specs = []
        for logical_id, resource in self.of_type("AWS::Serverless::Function").items():
            props = resource["Properties"]
            routes = []
            for event in props.get("Events", {}).values():
                if event["Type"] != "HttpApi":
                    continue
                event_props = event["Properties"]
                authorizer = event_props.get("Auth", {}).get("Authorizer")
                authorized = default_authorized if authorizer is None else authorizer != "NONE"
                routes.append(Route(event_props["Method"].upper(), event_props["Path"], authorized))
            specs.append(
                FunctionSpec(
                    logical_id=logical_id,
                    handler=props.get("Handler", self.globals.get("Handler", "")),
                    environment={
                        **default_env,
                        **props.get("Environment", {}).get("Variables", {}),
                    },
                    routes=tuple(routes),
                    timeout=int(props.get("Timeout", self.globals.get("Timeout", 3))),
                    policies=tuple(props.get("Policies", [])),
                )
            )
        return specs

    def function(self, logical_id: str) -> FunctionSpec:
        return next(spec for spec in self.functions() if spec.logical_id == logical_id)

    def cors(self) -> Cors:
        api = next(iter(self.of_type("AWS::Serverless::HttpApi").values()))
        cors = api["Properties"]["CorsConfiguration"]
        # An origin known only once deployed (the hosted app's URL) is left out: locally the
        # stack adds the origin its own app host serves from.
        origins = (self._plain(origin) for origin in cors["AllowOrigins"])
        return Cors(
            allow_origins=tuple(origin for origin in origins if origin),
            allow_methods=tuple(cors["AllowMethods"]),
            allow_headers=tuple(cors["AllowHeaders"]),
            max_age=int(cors.get("MaxAge", 0)),
        )

    def _plain(self, value: Any) -> str | None:
        """A literal, or a Ref to a parameter's default; None for anything else."""
        if isinstance(value, dict):
            ref = value.get("Ref")
            if not isinstance(ref, str) or ref not in self.parameters:
                return None
            return str(self.parameter_default(ref) or "")
        return str(value)


def substitute(template: str, names: Mapping[str, str]) -> str:
    """Resolve a `!Sub` string's `${Name}` references from `names`; unknown names are an error."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in names:
            raise KeyError(f"cannot resolve ${{{key}}} in {template!r}")
        return names[key]

    return re.sub(r"\$\{([^}!]+)\}", replace, template)
