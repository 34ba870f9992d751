"""Which stack a command talks to: the local one (described by the state file `sniper local`
writes) or a deployed one (found by its CloudFormation outputs)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import msgspec

from sniper.cli.errors import CliError, UnknownStack, UsageError

LOCAL = "local"
# What a deployed stack must publish for a client (template.yaml's Outputs).
REQUIRED_OUTPUTS = ("ApiUrl", "UserPoolId", "UserPoolClientId")


class Stack(msgspec.Struct, frozen=True, kw_only=True):
    """Where a stack's API and user pool are. Kept with a sign-in, so commands after `login`
    need no AWS credentials."""

    name: str
    region: str
    api_url: str
    user_pool_id: str
    client_id: str
    # Cognito's endpoint when it is not AWS's regional one (the local stack: moto).
    cognito_endpoint: str | None = None
    local: bool = False

    @property
    def label(self) -> str:
        return "the local stack" if self.local else f"stack {self.name} ({self.region})"


def session_key(name: str, region: str | None) -> str:
    """The file name a stack's sign-in is kept under."""
    if name == LOCAL:
        return LOCAL
    return re.sub(r"[^A-Za-z0-9@._-]", "_", f"{name}@{region or ''}")


# ---------------------------------------------------------------- the local stack


def read_local(state_file: Path) -> Stack:
    """The running local stack, from its state file; UnknownStack when none is running."""
    data = _local_state(state_file)
    try:
        return Stack(
            name=LOCAL,
            region=str(data["region"]),
            api_url=str(data["apiUrl"]).rstrip("/"),
            user_pool_id=str(data["userPoolId"]),
            client_id=str(data["userPoolClientId"]),
            cognito_endpoint=str(data["awsEndpoint"]),
            local=True,
        )
    except KeyError as missing:
        raise UnknownStack(
            f"The local stack's state file {state_file} has no {missing.args[0]}.",
            hint="Restart the local stack (`sniper local`) to write it again.",
        ) from None


def demo_login(state_file: Path) -> tuple[str, str]:
    """The local stack's documented demo user and password."""
    data = _local_state(state_file)
    if "demoUsername" not in data or "demoPassword" not in data:
        raise UsageError("This local stack was started without the demo user.")
    return str(data["demoUsername"]), str(data["demoPassword"])


def _local_state(state_file: Path) -> dict[str, Any]:
    try:
        data = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UnknownStack(
            f"No local stack is running: there is no state file at {state_file}.",
            hint="Start one with `sniper local` (or `make run`) in another terminal, "
            "or name a deployed stack with --stack NAME.",
        ) from None
    except (OSError, ValueError) as exc:
        raise UnknownStack(
            f"Cannot read the local stack's state file {state_file}: {exc}"
        ) from None
    if not isinstance(data, dict):
        raise UnknownStack(f"The local stack's state file {state_file} is not a JSON object.")
    return data


# ---------------------------------------------------------------- deployed stacks


def aws_session(region: str | None, profile: str | None) -> Any:
    """A boto3 session for CloudFormation: --region / --profile, else the AWS config."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.session.Session(region_name=region, profile_name=profile)
    except ProfileNotFound as exc:
        raise UsageError(
            str(exc), hint="List your profiles with `aws configure list-profiles`."
        ) from None


def configured_region(region: str | None, profile: str | None) -> str | None:
    """--region, else the region the AWS configuration names (no network, no credentials)."""
    name: str | None = aws_session(region, profile).region_name
    return name


def from_cloudformation(name: str, region: str | None, profile: str | None) -> Stack:
    """A deployed stack by name: its outputs, read with CloudFormation's DescribeStacks."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )

    session = aws_session(region, profile)
    if not session.region_name:
        raise UsageError(
            f"Which region is stack {name} in?",
            hint="Pass --region (e.g. --region eu-west-1) or set AWS_REGION.",
        )
    cloudformation = session.client("cloudformation")
    try:
        described = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except NoCredentialsError:
        raise UnknownStack(
            f"Cannot look up stack {name}: no AWS credentials.",
            hint="Configure them (`aws configure`, AWS_PROFILE or --profile); they are needed "
            "once, to sign in.",
        ) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        message = str(error.get("Message", exc))
        if error.get("Code") == "ValidationError" and "does not exist" in message:
            raise UnknownStack(
                f"There is no CloudFormation stack named {name} in {session.region_name}.",
                hint="Check the name and --region (`aws cloudformation list-stacks` lists "
                "them); for the stack on this machine use --stack local.",
            ) from None
        raise CliError(f"CloudFormation refused to describe stack {name}: {message}") from None
    except EndpointConnectionError as exc:
        raise CliError(f"Cannot reach CloudFormation: {exc}") from None
    except BotoCoreError as exc:
        raise CliError(f"Cannot look up stack {name}: {exc}") from None
    stack = described[0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    missing = [key for key in REQUIRED_OUTPUTS if key not in outputs]
    if missing:
        raise UnknownStack(
            f"Stack {name} ({stack.get('StackStatus', 'status unknown')}) has no "
            f"{', '.join(missing)} output: is it an eBay Sniper stack, fully deployed?"
        )
    return Stack(
        name=name,
        region=str(session.region_name),
        api_url=str(outputs["ApiUrl"]).rstrip("/"),
        user_pool_id=str(outputs["UserPoolId"]),
        client_id=str(outputs["UserPoolClientId"]),
    )
