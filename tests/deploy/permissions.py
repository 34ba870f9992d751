"""The permissions the code needs, declared, and what each function needs derived from it.

`ADAPTER_ACTIONS` is reviewed by hand: per class that talks to AWS, the IAM actions its methods
call. A test keeps it equal to what the source calls (tests/deploy/codemap.py), so a new AWS call
cannot land without a line here, and the template test then demands the grant for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sniper.devstack.local.template import Template
from tests.deploy import codemap

ADAPTER_ACTIONS: dict[str, frozenset[str]] = {
    "UsersRepository": frozenset(
        {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query",
         "dynamodb:Scan"}
    ),
    "SnipesRepository": frozenset(
        {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchWriteItem"}
    ),
    "HistoryRepository": frozenset(
        {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchWriteItem",
         "dynamodb:UpdateItem"}
    ),
    "NoticesRepository": frozenset({"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"}),
    "DynamoTable": frozenset(
        {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:PutItem",
         "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    ),
    # The Bids table's side records (sniper/storage/side_records.py).
    "LiveGuards": frozenset({"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}),
    "IdempotencyRecords": frozenset(
        {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    ),
    "SpentStates": frozenset({"dynamodb:PutItem"}),
    "TokenVault": frozenset({"kms:Encrypt", "kms:Decrypt"}),
    "SecretsReader": frozenset({"secretsmanager:GetSecretValue"}),
    # Creating a schedule also needs iam:PassRole on the role it names (see IMPLIED).
    "EventBridgeSnipeScheduler": frozenset(
        {"scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"}
    ),
    "ScheduleRemoval": frozenset({"scheduler:DeleteSchedule"}),
    "LambdaDispatch": frozenset({"lambda:InvokeFunction"}),
    "WakeQueue": frozenset({"sqs:SendMessage"}),
}  # fmt: skip

# Actions AWS checks on another resource when an API call names it.
IMPLIED = {
    "scheduler:CreateSchedule": frozenset({"iam:PassRole"}),
    "scheduler:UpdateSchedule": frozenset({"iam:PassRole"}),
}

# Which resource type an action applies to.
RESOURCE_TYPES = {
    "dynamodb": "AWS::DynamoDB::Table",
    "kms": "AWS::KMS::Key",
    "secretsmanager": "AWS::SecretsManager::Secret",
    "scheduler": "AWS::Scheduler::ScheduleGroup",
    "lambda": "AWS::Serverless::Function",
    "sqs": "AWS::SQS::Queue",
    "iam": "AWS::IAM::Role",
    "cognito-idp": "AWS::Cognito::UserPool",
}

# Resources the wiring hands an adapter at run time rather than from settings, which the source
# scan cannot see: (function, adapter) -> the resources, and why.
BOUND_AT_RUN_TIME: dict[tuple[str, str], frozenset[str]] = {
    # The executor hands a snipe on to a fresh invocation of itself (its own function name).
    ("BidExecutorFunction", "LambdaDispatch"): frozenset({"BidExecutorFunction"}),
}

# Functions and the settings class each loads (its entrypoint in sniper/handlers/ says so).
SETTINGS = {
    "UserManagementFunction": "UserManagementSettings",
    "EbayOAuthFunction": "EbayOAuthSettings",
    "WishlistSyncFunction": "WishlistSettings",
    "BidManagementFunction": "BidManagementSettings",
    "BidHistoryFunction": "BidHistorySettings",
    "BidExecutorFunction": "ExecutorSettings",
    "NotificationHandlerFunction": "NotificationSettings",
    "TokenRefreshFunction": "TokenRefreshSettings",
}


@dataclass(frozen=True)
class Need:
    action: str
    resource: str  # logical id
    why: str


def referenced_resource(value: object) -> str | None:
    """The logical id an environment value refers to (`!Ref X`, `!GetAtt X.Arn`), if any."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def function_needs(template: Template, logical_id: str) -> tuple[set[Need], list[str]]:
    """What one function's code needs, and the problems found deriving it."""
    spec = template.function(logical_id)
    types = {name: resource["Type"] for name, resource in template.resources.items()}
    modules = codemap.function_closure(spec.module)
    used = codemap.reached_methods(modules)
    sites = codemap.wiring(modules, used)
    adapters = codemap.adapters()
    needs: set[Need] = set()
    problems: list[str] = []
    unbound: set[str] = set()
    for site in sites:
        adapter = adapters[site.adapter]
        actions = adapter.actions_of(used)
        resources = set()
        for field_name in site.settings_fields:
            resource = referenced_resource(spec.environment.get(field_name.upper()))
            if resource is not None:
                resources.add(resource)
        bound = False
        for action in actions:
            service = action.split(":")[0]
            for resource in resources:
                if types.get(resource) == RESOURCE_TYPES[service]:
                    bound = True
                    needs.add(Need(action, resource, f"{site.adapter} ({site.module}:{site.line})"))
                for implied in IMPLIED.get(action, ()):
                    if types.get(resource) == RESOURCE_TYPES[implied.split(":")[0]]:
                        needs.add(Need(implied, resource, f"{action} names it ({site.module})"))
        if actions and not bound and site.kind == "build":
            unbound.add(site.adapter)
    # Built without a resource but handed one per call (`secrets.read(settings.x_arn, ...)`).
    unbound -= {site.adapter for site in sites if site.kind == "call" and site.settings_fields}
    for adapter_name in sorted(unbound):
        by_hand = BOUND_AT_RUN_TIME.get((logical_id, adapter_name))
        if by_hand is None:
            problems.append(
                f"{logical_id}: {adapter_name} is built without a resource from settings; "
                "declare what it is given in BOUND_AT_RUN_TIME"
            )
            continue
        for action in adapters[adapter_name].actions_of(used):
            for resource in by_hand:
                needs.add(Need(action, resource, f"{adapter_name} (bound at run time)"))
    for key in BOUND_AT_RUN_TIME:
        if key[0] == logical_id and key[1] not in unbound:
            problems.append(f"BOUND_AT_RUN_TIME{key} is stale: no such unbound site any more")
    # Lambda itself sends a failed asynchronous event to the function's on-failure queue with
    # the function's own role.
    resource = template.resources[logical_id]
    on_failure = (
        resource["Properties"].get("EventInvokeConfig", {}).get("DestinationConfig", {})
        .get("OnFailure", {})
    )  # fmt: skip
    if on_failure.get("Type") == "SQS":
        queue = referenced_resource(on_failure["Destination"])
        assert queue is not None
        needs.add(Need("sqs:SendMessage", queue, "asynchronous invocation's on-failure queue"))
    return needs, problems
