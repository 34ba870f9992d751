"""The local Lambda runtime: the template's functions, run in-process, behind Lambda's Invoke API.

moto's Lambda needs Docker, so this serves `POST /2015-03-31/functions/{name}/invocations` itself.
The functions' own aioboto3 Lambda client is pointed here (LAMBDA_ENDPOINT_URL) and works
unchanged. Like Lambda, a container serves one invocation at a time (a pool of built apps per
function), asynchronous invocations are retried on error as the template's EventInvokeConfig says,
and what still fails goes to the configured dead-letter queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from sniper.local.aws import LocalAws
from sniper.local.context import LocalLambdaContext
from sniper.local.serving import serve
from sniper.runtime import App, Entrypoint, close_app

log = logging.getLogger("sniper.local.lambdas")


class FunctionError(Exception):
    """The handler raised: Lambda reports this as X-Amz-Function-Error: Unhandled."""


class LocalFunctions:
    def __init__(
        self,
        aws: LocalAws,
        *,
        retry_delay_seconds: float = 1.0,
        extra_environment: Mapping[str, str] | None = None,
        overrides: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.aws = aws
        self.retry_delay_seconds = retry_delay_seconds
        self.extra_environment = dict(extra_environment or {})
        # Per function (logical id): variables set over the template's, e.g. a short schedule
        # lead for the local profile. A typo must not pass silently as "no override".
        unknown = set(overrides or {}) - set(aws.template.of_type("AWS::Serverless::Function"))
        if unknown:
            raise KeyError(f"no function {sorted(unknown)[0]!r} in template.yaml to override")
        self.overrides = {name: dict(env) for name, env in (overrides or {}).items()}
        self._idle: dict[str, list[App]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self.url: str | None = None
        self.invocations: list[tuple[str, str]] = []  # (logical id, invocation type), in order

    # ------------------------------------------------------------------ addressing
    def logical_id(self, name_or_arn: str) -> str:
        name = unquote(name_or_arn)
        for logical_id, spec in self.aws.template.of_type("AWS::Serverless::Function").items():
            del spec
            if name in (self.aws.refs.get(logical_id), self.aws.arns.get(logical_id), logical_id):
                return logical_id
        raise KeyError(f"no function {name!r} in template.yaml")

    def environment(self, logical_id: str) -> dict[str, str]:
        env = self.aws.function_environment(logical_id)
        if self.url:
            env["LAMBDA_ENDPOINT_URL"] = self.url
        env.update(self.extra_environment)
        env.update(self.overrides.get(logical_id, {}))
        return env

    # ------------------------------------------------------------------ invoking
    async def _acquire(self, logical_id: str) -> App:
        idle = self._idle.setdefault(logical_id, [])
        if idle:
            return idle.pop()
        spec = self.aws.template.function(logical_id)
        entrypoint = getattr(importlib.import_module(spec.module), spec.attribute)
        if not isinstance(entrypoint, Entrypoint):
            raise TypeError(f"{spec.handler} is not an Entrypoint")
        return await entrypoint.build(self.environment(logical_id))

    async def invoke(self, name_or_arn: str, event: Any) -> Any:
        """A synchronous (RequestResponse) invocation in a free container."""
        logical_id = self.logical_id(name_or_arn)
        self.invocations.append((logical_id, "RequestResponse"))
        app = await self._acquire(logical_id)
        spec = self.aws.template.function(logical_id)
        context = LocalLambdaContext(self.aws.refs[logical_id], timeout_seconds=spec.timeout)
        try:
            return await asyncio.wait_for(app(event, context), timeout=spec.timeout)
        except Exception as exc:
            raise FunctionError(f"{logical_id} failed: {exc!r}") from exc
        finally:
            self._idle.setdefault(logical_id, []).append(app)

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        """An asynchronous (Event) invocation: queued, retried on error, then dead-lettered."""
        logical_id = self.logical_id(name_or_arn)
        self.invocations.append((logical_id, "Event"))
        task = asyncio.create_task(self._run_async(logical_id, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_async(self, logical_id: str, event: Any) -> None:
        config = self._event_invoke_config(logical_id)
        attempts = 1 + int(config.get("MaximumRetryAttempts", 2))
        for attempt in range(1, attempts + 1):
            try:
                await self.invoke(logical_id, event)
                return
            except FunctionError:
                log.exception(
                    "asynchronous invocation of %s failed (attempt %d)", logical_id, attempt
                )
                if attempt < attempts:
                    await asyncio.sleep(self.retry_delay_seconds)
        await self._dead_letter(logical_id, event, config)

    def _event_invoke_config(self, logical_id: str) -> Mapping[str, Any]:
        resource = self.aws.template.resources[logical_id]
        config: Mapping[str, Any] = resource["Properties"].get("EventInvokeConfig", {})
        return config

    async def _dead_letter(self, logical_id: str, event: Any, config: Mapping[str, Any]) -> None:
        destination = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        if not destination:
            return
        queue_logical_id = destination["Fn::GetAtt"][0]
        body = json.dumps({"requestPayload": event, "function": logical_id})
        sqs = self.aws.client("sqs")
        await asyncio.to_thread(
            sqs.send_message, QueueUrl=self.aws.refs[queue_logical_id], MessageBody=body
        )

    async def drain(self) -> None:
        """Wait until every asynchronous invocation (and those it started) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def retire_containers(self) -> None:
        """Forget every warm container (as after a deploy): the next invocation builds anew."""
        apps = [app for idle in self._idle.values() for app in idle]
        self._idle.clear()
        for app in apps:
            await close_app(app)

    # ------------------------------------------------------------------ the Invoke API
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/2015-03-31/functions/{name}/invocations", self._handle_invoke)
        self._runner, self.url = await serve(app, host, port)
        return self.url

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.retire_containers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle_invoke(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            self.logical_id(name)
        except KeyError:
            return web.json_response(
                {"Type": "User", "message": f"Function not found: {name}"},
                status=404,
                headers={"x-amzn-ErrorType": "ResourceNotFoundException"},
            )
        payload = await request.read()
        event = json.loads(payload) if payload else {}
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "Event":
            self.invoke_async(name, event)
            return web.Response(status=202)
        try:
            result = await self.invoke(name, event)
        except FunctionError as exc:
            body = {"errorMessage": str(exc), "errorType": "Unhandled"}
            return web.json_response(body, headers={"X-Amz-Function-Error": "Unhandled"})
        return web.json_response(result)
