"""template.yaml as CloudFormation sees it, and the guide's mistakes staying fixed."""

from __future__ import annotations

import re
import subprocess
from typing import Any

from cfnlint.api import ManualArgs, lint_file

from sniper.devstack.local.template import Template
from tests.deploy.conftest import ROOT, requires_sam, sam_cli, sam_environment


def test_cfn_lint_reports_nothing_not_even_informational() -> None:
    matches = lint_file(ROOT / "template.yaml", ManualArgs(include_checks=["I"]))
    assert [str(match) for match in matches] == []


@requires_sam
def test_sam_validate_lint_passes() -> None:
    result = subprocess.run(
        [str(sam_cli()), "validate", "--lint", "--template-file", str(ROOT / "template.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=sam_environment(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout


def _references(value: Any) -> set[str]:
    """Every logical id or parameter a value refers to (Ref, GetAtt, ${...} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref":
                found.add(str(inner))
            elif key == "Fn::GetAtt":
                found.add(str(inner[0] if isinstance(inner, list) else inner.split(".")[0]))
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!:]+)\}", text)}
                if isinstance(inner, list):
                    found |= _references(inner[1])
            else:
                found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return found


def test_every_attribute_definition_is_a_key_of_the_table_or_an_index(template: Template) -> None:
    # The guide defined auctionEndTime on the Bids table without an index using it (E3039).
    for table in template.tables():
        keys = {key["AttributeName"] for key in table.key_schema}
        for index in table.global_secondary_indexes:
            keys |= {key["AttributeName"] for key in index["KeySchema"]}
        defined = {attribute["AttributeName"] for attribute in table.attribute_definitions}
        assert defined == keys, table.logical_id
    bids = next(t for t in template.tables() if t.logical_id == "BidsTable")
    by_end = next(i for i in bids.global_secondary_indexes if i["IndexName"] == "byAuctionEnd")
    assert [k["AttributeName"] for k in by_end["KeySchema"]] == ["userId", "auctionEndTime"]


def test_alarms_watch_functions_that_exist(template: Template) -> None:
    # The guide's ApiErrorAlarm pointed at an ApiFunction that does not exist.
    functions = set(template.of_type("AWS::Serverless::Function"))
    alarms = template.of_type("AWS::CloudWatch::Alarm")
    watched = set()
    for alarm in alarms.values():
        # A plain alarm names its metric's dimensions; a metric-math one, each metric's.
        properties = alarm["Properties"]
        stats = [
            m["MetricStat"]["Metric"] for m in properties.get("Metrics", []) if "MetricStat" in m
        ]
        for dimension in [d for m in [properties, *stats] for d in m.get("Dimensions", [])]:
            if dimension["Name"] == "FunctionName":
                watched |= _references(dimension["Value"])
    assert watched, "no alarm watches a function"
    assert watched <= functions
    assert "BidExecutorFunction" in watched


def test_every_reference_resolves(template: Template) -> None:
    known = set(template.resources) | set(template.parameters)
    pseudo = {"AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::Partition",
              "AWS::URLSuffix", "AWS::NoValue"}  # fmt: skip
    for logical_id, resource in template.resources.items():
        unknown = _references(resource) - known - pseudo
        assert not unknown, f"{logical_id} refers to {unknown}"


def test_the_api_allows_exactly_the_web_apps_origin_without_a_cycle(template: Template) -> None:
    # The guide's CORS origins and env vars named the Amplify app, whose env vars named the API:
    # a cycle. Now the app names nothing of ours; its branch carries the API's URL and the pool's
    # ids (for config.json); the API's CORS and the pool client name the app's domain.
    app = template.resources["AmplifyApp"]
    assert not _references(app["Properties"]) - set(template.parameters) - {"AWS::NoValue"}
    assert {"HttpApi", "UserPoolClient", "AmplifyApp"} <= _references(
        template.resources["AmplifyBranch"]
    )
    for logical_id, resource in template.resources.items():
        if logical_id in ("HttpApi", "UserPoolClient") or resource["Type"].startswith(
            "AWS::Amplify"
        ):
            continue
        assert not {"AmplifyApp", "AmplifyBranch"} & _references(resource), logical_id
    (origin,) = template.resources["HttpApi"]["Properties"]["CorsConfiguration"]["AllowOrigins"]
    condition, hosted, own = origin["Fn::If"]
    assert condition == "HostsFrontend" and own == {"Ref": "FrontendOrigin"}
    assert {"AmplifyApp", "FrontendBranch"} <= _references(hosted)
    # Built from this repository's web/ when a repository is given; uploaded otherwise.
    assert app["Condition"] == template.resources["AmplifyBranch"]["Condition"] == "HostsFrontend"
    assert "appRoot: web" in app["Properties"]["BuildSpec"]["Fn::If"][1]


def test_no_credential_passes_through_parameters_or_environment(template: Template) -> None:
    # The guide took the Postmark key and the eBay app id as NoEcho parameters and put them in
    # environment variables; they live in Secrets Manager, and functions get the secrets' ARNs.
    assert not [name for name, p in template.parameters.items() if p.get("NoEcho")]
    secrets = set(template.of_type("AWS::SecretsManager::Secret"))
    for spec in template.functions():
        for name, value in spec.environment.items():
            if any(word in name for word in ("SECRET", "TOKEN", "PASSWORD", "API_KEY")):
                not_credentials = {"TOKEN_KEY_ID", "TOKEN_EXPIRY_THRESHOLD"}
                assert name.endswith("_ARN") or name in not_credentials, f"{spec.logical_id} {name}"
            if name.endswith("SECRET_ARN"):
                assert _references(value) <= secrets, f"{spec.logical_id} {name}"
    for logical_id in secrets:
        secret = template.resources[logical_id]["Properties"]
        assert not _references(secret.get("SecretString", "")), logical_id


def test_bid_management_may_hand_the_scheduler_its_role(template: Template) -> None:
    # The guide's function created schedules but had no iam:PassRole for the scheduler's role.
    policies = template.resources["BidManagementFunction"]["Properties"]["Policies"]
    statements = [s for p in policies if "Statement" in p for s in p["Statement"]]
    (pass_role,) = [s for s in statements if "iam:PassRole" in s["Action"]]
    assert pass_role["Resource"] == {"Fn::GetAtt": ["SchedulerExecutionRole", "Arn"]}
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
    }


def test_the_scheduler_role_invokes_only_the_executor_and_its_queue(template: Template) -> None:
    role = template.resources["SchedulerExecutionRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    granted = {(a, r) for s in statements for a in s["Action"] for r in _references(s["Resource"])}
    assert granted == {
        ("lambda:InvokeFunction", "BidExecutorFunction"),
        ("sqs:SendMessage", "BidExecutorDeadLetterQueue"),
    }
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}


def test_functions_and_layer_agree_on_runtime_and_architecture(template: Template) -> None:
    from tests.deploy.lockfile import lock_module

    lock = lock_module()
    assert template.globals["Runtime"] == f"python{lock.PYTHON_VERSION}"
    assert template.globals["Architectures"] == ["arm64"] and "aarch64" in lock.PLATFORM
    layer = template.resources["DependenciesLayer"]["Properties"]
    assert layer["CompatibleRuntimes"] == [template.globals["Runtime"]]
    assert layer["CompatibleArchitectures"] == template.globals["Architectures"]
    for logical_id, resource in template.of_type("AWS::Serverless::Function").items():
        props = resource["Properties"]
        assert "Runtime" not in props and "Architectures" not in props, logical_id
        assert "CodeUri" not in props, f"{logical_id}: the Globals' CodeUri (.) builds every one"


def test_outputs_tell_a_deployer_what_to_configure(template: Template) -> None:
    outputs = template.document["Outputs"]
    endpoint = outputs["AccountDeletionEndpoint"]["Value"]["Fn::Sub"]
    assert endpoint.endswith("/ebay/account-deletion")
    routes = {(r.method, r.path) for s in template.functions() for r in s.routes}
    assert ("POST", "/ebay/account-deletion") in routes
    for name in ("ApiUrl", "UserPoolId", "UserPoolClientId", "EbayCredentialsSecret",
                 "PostmarkCredentialsSecret"):  # fmt: skip
        assert name in outputs
