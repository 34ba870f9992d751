"""template.yaml plus test-only functions whose handler is `echo_function` (see there), and a
dead-letter queue for their asynchronous failures."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from sniper.devstack.local.async_retries import RetryTiming
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.devstack.local.stack import LocalStack, StackOptions
from sniper.devstack.local.template import Template

ECHO_HANDLER = "tests.integration.local.echo_function.handler"
ECHO_DLQ = "EchoDeadLetterQueue"


def echo_function(
    name: str,
    *,
    timeout: int = 30,
    retries: int | None = None,
    max_event_age: int | None = None,
    dead_letters: bool = True,
    events: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An AWS::Serverless::Function resource running the echo handler."""
    invoke_config: dict[str, Any] = {}
    if retries is not None:
        invoke_config["MaximumRetryAttempts"] = retries
    if max_event_age is not None:
        invoke_config["MaximumEventAgeInSeconds"] = max_event_age
    if dead_letters:
        invoke_config["DestinationConfig"] = {
            "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": [ECHO_DLQ, "Arn"]}}
        }
    properties: dict[str, Any] = {
        "FunctionName": {"Fn::Sub": f"${{AWS::StackName}}-{name}"},
        "Handler": ECHO_HANDLER,
        "Timeout": timeout,
    }
    if invoke_config:
        properties["EventInvokeConfig"] = invoke_config
    if events:
        properties["Events"] = events
    return {"Type": "AWS::Serverless::Function", "Properties": properties}


def with_functions(functions: dict[str, dict[str, Any]]) -> Template:
    """template.yaml with `functions` (logical id -> resource) and the echo dead-letter queue."""
    document = copy.deepcopy(dict(Template.load().document))
    document["Resources"].update(functions)
    document["Resources"][ECHO_DLQ] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-echo-dlq"}},
    }
    return Template(document)


def echo_stack_options(
    prefix: str,
    functions: dict[str, dict[str, Any]],
    retry_timing: RetryTiming,
    **fields: Any,
) -> StackOptions:
    """A stack of template.yaml and `functions` under a fresh name, on a free port, without
    the demo user."""
    return StackOptions(
        api_port=0,
        stack_name=f"{prefix}-{secrets.token_hex(3)}",
        template=with_functions(functions),
        retry_timing=retry_timing,
        demo_user=False,
        **fields,
    )


async def reset_functions(stack: LocalStack) -> LocalFunctions:
    """The stack's Lambda runtime, reset: nothing queued, no attempts recorded."""
    await stack.reset()
    assert stack.functions is not None
    return stack.functions
