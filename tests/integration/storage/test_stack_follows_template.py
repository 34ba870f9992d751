"""The local stack is built from template.yaml: change the template and the tables follow."""

from __future__ import annotations

import copy

import pytest

from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.template import Template


def _describe(aws: LocalAws, logical_id: str) -> dict[str, object]:
    table = aws.client("dynamodb").describe_table(TableName=aws.refs[logical_id])["Table"]
    return {
        "keys": table["KeySchema"],
        "indexes": sorted(i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])),
    }


def test_tables_match_the_template(local_aws: LocalAws) -> None:
    template = Template.load()
    for spec in template.tables():
        described = _describe(local_aws, spec.logical_id)
        assert described["keys"] == spec.key_schema
        assert described["indexes"] == sorted(i["IndexName"] for i in spec.global_secondary_indexes)
    ttl = local_aws.client("dynamodb").describe_time_to_live(TableName=local_aws.refs["BidsTable"])
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "ttl"


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_changing_a_key_in_the_template_changes_the_stack() -> None:
    document = copy.deepcopy(Template.load().document)
    bids = document["Resources"]["BidsTable"]["Properties"]
    bids["KeySchema"][1]["AttributeName"] = "snipeId"
    for definition in bids["AttributeDefinitions"]:
        if definition["AttributeName"] == "bidId":
            definition["AttributeName"] = "snipeId"
    aws = LocalAws.start(stack_name="sniper-changed", template=Template(document))
    try:
        keys = _describe(aws, "BidsTable")["keys"]
        assert keys == [
            {"AttributeName": "userId", "KeyType": "HASH"},
            {"AttributeName": "snipeId", "KeyType": "RANGE"},
        ]
    finally:
        aws.stop()


def test_function_environment_resolves_from_the_template(local_aws: LocalAws) -> None:
    env = local_aws.function_environment("BidExecutorFunction")
    assert env["BIDS_TABLE"] == local_aws.refs["BidsTable"]
    assert env["TOKEN_KEY_ID"] == local_aws.refs["UserTokenKey"]
    assert env["NOTIFICATION_FUNCTION_NAME"].endswith("-notification-handler")
    assert env["AWS_ENDPOINT_URL"] == local_aws.endpoint
