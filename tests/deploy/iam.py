"""The IAM grants template.yaml gives each function, as (action pattern, logical id, scope).

SAM policy templates are expanded as SAM expands them (samtranslator's policy_templates.json:
actions, and the ARN each resource parameter becomes); inline statements are read as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from sniper.devstack.local.template import Template

# name -> (parameter, actions, resource scopes after the named resource's ARN)
POLICY_TEMPLATES: dict[str, tuple[str, frozenset[str], tuple[str, ...]]] = {
    "DynamoDBCrudPolicy": (
        "TableName",
        frozenset(
            {
                "dynamodb:GetItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
                "dynamodb:ConditionCheckItem",
            }
        ),
        ("", "/index/*"),
    ),
    "DynamoDBReadPolicy": (
        "TableName",
        frozenset(
            {
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
            }
        ),
        ("", "/index/*"),
    ),
    "DynamoDBWritePolicy": (
        "TableName",
        frozenset({"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"}),
        ("", "/index/*"),
    ),
    "KMSDecryptPolicy": ("KeyId", frozenset({"kms:Decrypt"}), ("",)),
    "KMSEncryptPolicy": ("KeyId", frozenset({"kms:Encrypt"}), ("",)),
    # `function:${name}*`: the function and its versions and aliases.
    "LambdaInvokePolicy": ("FunctionName", frozenset({"lambda:InvokeFunction"}), ("*",)),
    "SQSSendMessagePolicy": ("QueueName", frozenset({"sqs:SendMessage*"}), ("",)),
}

# A scope narrower than or equal to "the named resource": itself, its indexes (DynamoDB), its
# versions/aliases (Lambda), the schedules in a group (Scheduler).
NAMED_RESOURCE_SCOPES = frozenset({"", "/index/*", "*", "/*"})


@dataclass(frozen=True)
class Grant:
    action: str  # may be a pattern (sqs:SendMessage*)
    resource: str  # logical id, or "*" for anything
    scope: str
    source: str  # which policy entry, for messages

    def allows(self, action: str, resource: str) -> bool:
        return fnmatchcase(action, self.action) and self.resource in (resource, "*")


def _logical(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return str(target[0] if isinstance(target, list) else target.split(".")[0])
    return None


def _function_names(template: Template) -> dict[str, str]:
    """`${AWS::StackName}-bid-executor` -> BidExecutorFunction: a function named in a Sub."""
    names = {}
    for logical_id, resource in template.of_type("AWS::Serverless::Function").items():
        name = resource["Properties"].get("FunctionName")
        if isinstance(name, dict) and "Fn::Sub" in name:
            names[name["Fn::Sub"]] = logical_id
    return names


def resolve_resource(template: Template, value: Any) -> tuple[str, str]:
    """(logical id or "*", scope) of a statement's Resource entry."""
    logical = _logical(value)
    if logical is not None:
        return logical, ""
    if value == "*":
        return "*", "*"
    text = value["Fn::Sub"] if isinstance(value, dict) and "Fn::Sub" in value else value
    if isinstance(text, str):
        for match in re.finditer(r"\$\{([A-Za-z0-9]+)(?:\.Arn)?\}", text):
            if match.group(1) in template.resources:
                return match.group(1), text[match.end() :]
        for name, logical_id in _function_names(template).items():
            at = text.find(f"function:{name}")
            if at >= 0:
                return logical_id, text[at + len(f"function:{name}") :]
    raise AssertionError(f"cannot tell which resource {value!r} is")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def function_grants(template: Template, logical_id: str) -> list[Grant]:
    policies = template.resources[logical_id]["Properties"].get("Policies", [])
    grants: list[Grant] = []
    for index, policy in enumerate(_as_list(policies)):
        if isinstance(policy, str):
            grants.append(Grant("*", "*", "*", f"managed policy {policy}"))
            continue
        ((name, body),) = policy.items()
        if name in POLICY_TEMPLATES:
            parameter, actions, scopes = POLICY_TEMPLATES[name]
            resource = _logical(body[parameter])
            assert resource is not None, f"{logical_id} {name}: {body[parameter]!r}"
            source = f"{name}({resource})"
            grants += [Grant(a, resource, s, source) for a in actions for s in scopes]
        elif name == "Statement":
            for number, statement in enumerate(_as_list(body)):
                assert statement.get("Effect") == "Allow", statement
                for resource_value in _as_list(statement["Resource"]):
                    resource, scope = resolve_resource(template, resource_value)
                    for action in _as_list(statement["Action"]):
                        source = f"Policies[{index}].Statement[{number}] {action}"
                        grants.append(Grant(action, resource, scope, source))
        else:
            raise AssertionError(f"{logical_id}: unknown policy {name} (add its expansion)")
    return grants + _destination_grants(template, logical_id)


def _destination_grants(template: Template, logical_id: str) -> list[Grant]:
    """SAM's own policy for an EventInvokeConfig destination: for an SQS OnFailure it adds
    `<Function>EventInvokeConfigOnFailureSQSPolicy`, sqs:SendMessage on that queue's ARN."""
    config = template.resources[logical_id]["Properties"].get("EventInvokeConfig", {})
    on_failure = config.get("DestinationConfig", {}).get("OnFailure", {})
    if on_failure.get("Type") != "SQS":
        return []
    queue = _logical(on_failure["Destination"])
    assert queue is not None, f"{logical_id}: OnFailure {on_failure!r}"
    return [Grant("sqs:SendMessage", queue, "", "SAM EventInvokeConfig OnFailure SQS policy")]
