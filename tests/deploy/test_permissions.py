"""Least privilege: each function is granted what its code calls, on the resources it is wired
to, and nothing else.

What the code needs is derived from its source (tests/deploy/codemap.py, permissions.py); what
the template grants is expanded from its policies (tests/deploy/iam.py).
"""

from __future__ import annotations

import copy

import pytest

from sniper.devstack.local.template import Template
from tests.deploy import codemap, iam
from tests.deploy.permissions import ADAPTER_ACTIONS, SETTINGS, function_needs

FUNCTIONS = sorted(SETTINGS)


def test_declared_adapter_actions_are_what_the_source_calls() -> None:
    derived = {name: adapter.actions for name, adapter in codemap.adapters().items()}
    assert derived == ADAPTER_ACTIONS


def test_every_aws_call_is_made_by_an_adapter_class() -> None:
    assert codemap.unattributed_calls() == []


def test_the_scan_sees_calls_it_must_see() -> None:
    # Guards the scanner itself: a repository's put, the vault's KMS calls, the dispatcher's invoke.
    adapters = codemap.adapters()
    assert adapters["UsersRepository"].methods["create"] == {"dynamodb:PutItem"}
    assert adapters["HistoryRepository"].methods["record"] == {
        "dynamodb:PutItem",
        "dynamodb:GetItem",
    }
    assert adapters["TokenVault"].methods["open"] == {"kms:Decrypt"}
    assert adapters["LambdaDispatch"].methods["__call__"] == {"lambda:InvokeFunction"}
    # eBay's Browse `get_item` is not DynamoDB's: only services a class is handed count.
    assert all(not a.module.startswith("sniper.ebay.") for a in adapters.values())


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_needs_are_derived_without_guesswork(template: Template, logical_id: str) -> None:
    needs, problems = function_needs(template, logical_id)
    assert problems == []
    assert needs, f"{logical_id} touches nothing? the scan found no adapter"


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_every_needed_action_is_granted(template: Template, logical_id: str) -> None:
    needs, _ = function_needs(template, logical_id)
    grants = iam.function_grants(template, logical_id)
    missing = sorted(
        f"{need.action} on {need.resource} (for {need.why})"
        for need in needs
        if not any(grant.allows(need.action, need.resource) for grant in grants)
    )
    assert missing == []


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_nothing_is_granted_that_the_code_does_not_need(
    template: Template, logical_id: str
) -> None:
    needs, _ = function_needs(template, logical_id)
    grants = iam.function_grants(template, logical_id)
    by_source: dict[str, list[iam.Grant]] = {}
    for grant in grants:
        by_source.setdefault(grant.source, []).append(grant)
    # A policy template may bring actions beyond the needed ones (that is what SAM offers), but
    # each one used must be needed for at least one action on its resource; an inline action,
    # on each resource it names.
    unneeded = []
    for source, group in sorted(by_source.items()):
        if source.startswith("Policies[") and ".Statement[" in source:
            for grant in group:
                if not any(grant.allows(n.action, n.resource) for n in needs):
                    unneeded.append(f"{source} on {grant.resource}")
        elif not any(grant.allows(n.action, n.resource) for grant in group for n in needs):
            unneeded.append(source)
    assert unneeded == []


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_no_wildcard_beyond_the_named_resource(template: Template, logical_id: str) -> None:
    for grant in iam.function_grants(template, logical_id):
        assert grant.resource != "*", grant.source
        assert grant.scope in iam.NAMED_RESOURCE_SCOPES, grant.source
        service, _, action = grant.action.partition(":")
        assert service and action not in ("", "*"), grant.source


def test_the_expansions_cover_every_policy_template_the_template_uses(template: Template) -> None:
    used = {
        name
        for spec in template.functions()
        for policy in spec.policies
        if isinstance(policy, dict)
        for name in policy
        if name != "Statement"
    }
    assert used <= set(iam.POLICY_TEMPLATES)


def test_the_checks_catch_an_extra_and_a_missing_grant(template: Template) -> None:
    document = copy.deepcopy(dict(template.document))
    history = document["Resources"]["BidHistoryFunction"]["Properties"]
    history["Policies"].append({"DynamoDBCrudPolicy": {"TableName": {"Ref": "UsersTable"}}})
    refresher = document["Resources"]["TokenRefreshFunction"]["Properties"]
    refresher["Policies"] = [p for p in refresher["Policies"] if "KMSDecryptPolicy" not in p]
    changed = Template(document)

    needs, _ = function_needs(changed, "BidHistoryFunction")
    extra = [g for g in iam.function_grants(changed, "BidHistoryFunction")
             if g.resource == "UsersTable"]  # fmt: skip
    assert extra and not any(g.allows(n.action, n.resource) for g in extra for n in needs)

    needs, _ = function_needs(changed, "TokenRefreshFunction")
    grants = iam.function_grants(changed, "TokenRefreshFunction")
    assert not any(g.allows("kms:Decrypt", "UserTokenKey") for g in grants)
    assert any(n.action == "kms:Decrypt" for n in needs)
