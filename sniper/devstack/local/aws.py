"""A local AWS: moto in server mode, with the resources `template.yaml` declares.

Tables (keys, indexes, TTL), the token key, the secrets, the user pool and its client, the schedule
group, the scheduler's role and the executor's dead-letter queue are created from the template,
so the local stack and a deployed stack cannot drift apart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from sniper.devstack.local import cognito_srp, sqs_long_poll
from sniper.devstack.local.template import Template, substitute

ACCOUNT_ID = "123456789012"  # moto's default account
LOCAL_CLIENT_ID = "sniper-local-app"
LOCAL_CLIENT_SECRET = "sniper-local-secret"  # noqa: S105 - the simulator's throwaway app secret
LOCAL_RU_NAME = "sniper-local-runame"
_SCHEDULER_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip


@dataclass
class LocalAws:
    """The running local AWS and the physical names of the template's resources."""

    endpoint: str
    region: str
    stack_name: str
    template: Template
    # What `!Ref Logical` and `!GetAtt Logical.Arn` resolve to, per logical id.
    refs: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    ebay_base_url: str | None = None
    postmark_base_url: str | None = None
    _server: ThreadedMotoServer | None = None

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def start(
        cls,
        *,
        stack_name: str = "sniper-local",
        region: str = "us-east-1",
        host: str = "127.0.0.1",
        port: int = 0,
        template: Template | None = None,
        ebay_secret: Mapping[str, str] | None = None,
    ) -> LocalAws:
        # moto accepts any credentials; set harmless ones so no real profile is ever picked up.
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_SESSION_TOKEN", "testing"),
        ):
            os.environ.setdefault(name, value)
        os.environ.setdefault("AWS_DEFAULT_REGION", region)
        # moto's werkzeug server logs every request line; the local stack has its own output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # moto takes any SRP password proof; the local user pool checks it as Cognito does.
        cognito_srp.install()
        # moto's long poll sleeps past a delayed message becoming visible; SQS's does not.
        sqs_long_poll.install()
        server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        server.start()
        bound_host, bound_port = server.get_host_and_port()
        aws = cls(
            endpoint=f"http://{bound_host}:{bound_port}",
            region=region,
            stack_name=stack_name,
            template=template or Template.load(),
            _server=server,
        )
        aws._provision(ebay_secret or {})
        return aws

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.region)

    # ------------------------------------------------------------------ provisioning
    def _provision(self, ebay_secret: Mapping[str, str]) -> None:
        names = {"AWS::StackName": self.stack_name, "AWS::Region": self.region,
                 "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws"}  # fmt: skip
        self._create_tables(names)
        self._create_key()
        self._create_secrets(names, ebay_secret)
        self._create_user_pool(names)
        self._create_scheduling(names)
        self._name_functions(names)
        for parameter in self.template.parameters:
            self.refs.setdefault(parameter, str(self.template.parameter_default(parameter)))

    def _create_tables(self, names: Mapping[str, str]) -> None:
        dynamodb = self.client("dynamodb")
        for table in self.template.tables():
            name = substitute(table.name_template, names)
            request: dict[str, Any] = {
                "TableName": name,
                "KeySchema": table.key_schema,
                "AttributeDefinitions": table.attribute_definitions,
                "BillingMode": "PAY_PER_REQUEST",
            }
            if table.global_secondary_indexes:
                request["GlobalSecondaryIndexes"] = table.global_secondary_indexes
            dynamodb.create_table(**request)
            if table.ttl_attribute:
                dynamodb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
                )
            self.refs[table.logical_id] = name
            self.arns[table.logical_id] = (
                f"arn:aws:dynamodb:{self.region}:{ACCOUNT_ID}:table/{name}"
            )

    def _create_key(self) -> None:
        kms = self.client("kms")
        for logical_id, resource in self.template.of_type("AWS::KMS::Key").items():
            key = kms.create_key(Description=resource["Properties"].get("Description", logical_id))
            self.refs[logical_id] = key["KeyMetadata"]["KeyId"]
            self.arns[logical_id] = key["KeyMetadata"]["Arn"]

    def _create_secrets(self, names: Mapping[str, str], ebay_secret: Mapping[str, str]) -> None:
        manager = self.client("secretsmanager")
        local_values: dict[str, dict[str, str]] = {
            "EbayCredentials": {
                "client_id": LOCAL_CLIENT_ID,
                "client_secret": LOCAL_CLIENT_SECRET,
                "ru_name": LOCAL_RU_NAME,
                "verification_token": secrets.token_hex(24),
                **ebay_secret,
            },
            "PostmarkCredentials": {"server_token": "POSTMARK_API_TEST"},
        }
        for logical_id, resource in self.template.of_type("AWS::SecretsManager::Secret").items():
            props = resource["Properties"]
            name = props["Name"]
            name = substitute(name["Fn::Sub"], names) if isinstance(name, dict) else name
            if logical_id in local_values:
                value = json.dumps(local_values[logical_id])
            elif "GenerateSecretString" in props:
                value = secrets.token_urlsafe(48)
            else:
                value = props.get("SecretString", "{}")
            created = manager.create_secret(Name=name, SecretString=value)
            # A secret's Ref is its ARN.
            self.refs[logical_id] = created["ARN"]
            self.arns[logical_id] = created["ARN"]

    def _create_user_pool(self, names: Mapping[str, str]) -> None:
        cognito = self.client("cognito-idp")
        for logical_id, resource in self.template.of_type("AWS::Cognito::UserPool").items():
            props = resource["Properties"]
            pool = cognito.create_user_pool(
                PoolName=substitute(props["UserPoolName"]["Fn::Sub"], names),
                Policies=props["Policies"],
                AliasAttributes=props.get("AliasAttributes", []),
                AutoVerifiedAttributes=props.get("AutoVerifiedAttributes", []),
                Schema=props.get("Schema", []),
            )["UserPool"]
            self.refs[logical_id] = pool["Id"]
            self.arns[logical_id] = pool["Arn"]
        for logical_id, resource in self.template.of_type("AWS::Cognito::UserPoolClient").items():
            props = resource["Properties"]
            pool_id = self.refs[props["UserPoolId"]["Ref"]]
            client = cognito.create_user_pool_client(
                UserPoolId=pool_id,
                ClientName=substitute(props["ClientName"]["Fn::Sub"], names),
                GenerateSecret=False,
                # The demo and `sniper token` sign in by password; the web app and `sniper login`
                # use SRP, as deployed. The deployed client allows SRP only.
                ExplicitAuthFlows=[*props["ExplicitAuthFlows"], "ALLOW_USER_PASSWORD_AUTH"],
                # moto puts email and name in ID tokens only when the client may read them.
                ReadAttributes=props.get("ReadAttributes", []),
                WriteAttributes=props.get("WriteAttributes", []),
            )["UserPoolClient"]
            self.refs[logical_id] = client["ClientId"]

    def _create_scheduling(self, names: Mapping[str, str]) -> None:
        scheduler = self.client("scheduler")
        for logical_id, resource in self.template.of_type("AWS::Scheduler::ScheduleGroup").items():
            name = substitute(resource["Properties"]["Name"]["Fn::Sub"], names)
            created = scheduler.create_schedule_group(Name=name)
            self.refs[logical_id] = name
            self.arns[logical_id] = created["ScheduleGroupArn"]
        iam = self.client("iam")
        for logical_id in self.template.of_type("AWS::IAM::Role"):
            role = iam.create_role(
                RoleName=f"{self.stack_name}-{logical_id}",
                AssumeRolePolicyDocument=json.dumps(_SCHEDULER_TRUST),
            )["Role"]
            self.refs[logical_id] = role["RoleName"]
            self.arns[logical_id] = role["Arn"]
        sqs = self.client("sqs")
        for logical_id, resource in self.template.of_type("AWS::SQS::Queue").items():
            props = resource["Properties"]
            name = substitute(props["QueueName"]["Fn::Sub"], names)
            # What decides when a message is seen again (an event source's failed batch).
            attributes = {
                key: str(props[key])
                for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds")
                if key in props
            }
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            self.refs[logical_id] = url
            self.arns[logical_id] = f"arn:aws:sqs:{self.region}:{ACCOUNT_ID}:{name}"

    def _name_functions(self, names: Mapping[str, str]) -> None:
        # Functions are not deployed into moto (that needs Docker): the local runtime runs their
        # handlers in-process. They still get the names and ARNs the template gives them.
        for logical_id, resource in self.template.of_type("AWS::Serverless::Function").items():
            name = substitute(resource["Properties"]["FunctionName"]["Fn::Sub"], names)
            self.refs[logical_id] = name
            self.arns[logical_id] = f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{name}"

    # ------------------------------------------------------------------ functions' view
    def resolve(self, value: Any) -> str:
        """Resolve a template value (literal, Ref, GetAtt, Sub, If on a known condition)."""
        if isinstance(value, str | int | float):
            return str(value)
        if isinstance(value, dict):
            if "Ref" in value:
                return self.refs[value["Ref"]]
            if "Fn::GetAtt" in value:
                logical_id, attribute = value["Fn::GetAtt"]
                if attribute == "Arn":
                    return self.arns[logical_id]
                if attribute == "QueueName":
                    return self.refs[logical_id].rsplit("/", 1)[-1]
                raise KeyError(f"cannot resolve GetAtt {logical_id}.{attribute}")
            if "Fn::Sub" in value:
                names = {"AWS::StackName": self.stack_name, "AWS::Region": self.region,
                         "AWS::AccountId": ACCOUNT_ID, **self.refs}  # fmt: skip
                return substitute(value["Fn::Sub"], names)
            if "Fn::If" in value:
                condition, when_true, when_false = value["Fn::If"]
                return self.resolve(when_true if self._condition(condition) else when_false)
        raise KeyError(f"cannot resolve template value {value!r}")

    def _condition(self, name: str) -> bool:
        # Local mode is a development environment.
        return {"IsDevelopment": True, "IsProduction": False}.get(name, False)

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """The environment `template.yaml` gives a function, plus the local endpoints."""
        spec = self.template.function(logical_id)
        env = {name: self.resolve(value) for name, value in spec.environment.items()}
        env["AWS_REGION"] = self.region
        env["AWS_ENDPOINT_URL"] = self.endpoint
        if "EBAY_ENVIRONMENT" in env and self.ebay_base_url:
            env["EBAY_ENVIRONMENT"] = "local"
            env["EBAY_BASE_URL"] = self.ebay_base_url
        if "POSTMARK_SECRET_ARN" in env and self.postmark_base_url:
            env["POSTMARK_BASE_URL"] = self.postmark_base_url
        return env

    # ------------------------------------------------------------------ test support
    def reset(self) -> None:
        """Empty every table and schedule group, leaving the resources in place."""
        dynamodb = self.client("dynamodb")
        for table in self.template.tables():
            name = self.refs[table.logical_id]
            keys = [key["AttributeName"] for key in table.key_schema]
            for item in _scan(dynamodb, name, keys):
                dynamodb.delete_item(TableName=name, Key=item)
        scheduler = self.client("scheduler")
        for logical_id in self.template.of_type("AWS::Scheduler::ScheduleGroup"):
            group = self.refs[logical_id]
            pages = scheduler.get_paginator("list_schedules").paginate(GroupName=group)
            names = [s["Name"] for page in pages for s in page.get("Schedules", [])]
            for name in names:
                with contextlib.suppress(scheduler.exceptions.ResourceNotFoundException):
                    scheduler.delete_schedule(Name=name, GroupName=group)

    def summary(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "region": self.region,
            "tables": {t.logical_id: self.refs[t.logical_id] for t in self.template.tables()},
            "resources": {k: v for k, v in self.refs.items() if k not in self.template.parameters},
        }


def _scan(dynamodb: Any, table: str, keys: list[str]) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {"TableName": table, "ProjectionExpression": ", ".join(keys)}
    while True:
        page = dynamodb.scan(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
