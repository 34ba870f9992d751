"""The local Lambda runtime: the template's functions behind Lambda's Invoke API, run as Lambda
runs them where it matters to a snipe.

moto's Lambda needs Docker, so this serves `POST /2015-03-31/functions/{name}/invocations` itself;
the functions' own aioboto3 Lambda client is pointed here (LAMBDA_ENDPOINT_URL) and works
unchanged. Like Lambda:
- every invocation runs in a container of its own, an idle warm one or a new one (`pool`), so
  concurrent invocations never wait for one another; a container serves one at a time;
- containers are in-process (fast) or, for the functions named in `process_functions`, OS
  processes that can be killed with no cleanup (`containers`, `process_container`);
- an asynchronous invocation that fails (raised, timed out, killed) is retried as AWS does, after
  ~60 s and ~120 s by default, within the template's EventInvokeConfig, and then recorded in its
  on-failure destination (`async_queue`, `async_retries`);
- the bid executor, in process containers, can be killed at a named step (`crashes`).

    functions = LocalFunctions(aws, process_functions={"BidExecutorFunction"})
    functions.kill_at(Step.SENT, bid_id=bid_id)              # the next time it gets there
    await functions.reached(Step.WAITING, bid_id=bid_id)
    functions.kill_now("BidExecutorFunction", bid_id=bid_id)  # wherever it is
    kill = await functions.killed(bid_id=bid_id)
    [event] = functions.async_events.matching(lambda e: e.bid_id == bid_id)
    await event.finished(timeout_s=400)   # retried at ~60 s and ~120 s, or given up
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from sniper.devstack.local.async_queue import AsyncEvent, AsyncQueue, Attempt
from sniper.devstack.local.async_retries import EventInvokeConfig, RetryTiming
from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.container_wire import StepReport
from sniper.devstack.local.containers import (
    Container,
    ContainerKind,
    FunctionError,
    InProcessContainer,
    Invocation,
)
from sniper.devstack.local.crashes import EXECUTOR, CrashPlans, Kill, KillPlan, StepReached
from sniper.devstack.local.journal import Journal
from sniper.devstack.local.pool import ContainerPool
from sniper.devstack.local.process_container import ProcessContainer
from sniper.devstack.local.serving import LoopbackService
from sniper.executor.steps import Step

__all__ = ["AsyncEvent", "Attempt", "FunctionError", "LocalFunctions"]

log = logging.getLogger("sniper.devstack.local.lambdas")


class LocalFunctions(LoopbackService):
    def __init__(
        self,
        aws: LocalAws,
        *,
        retry_timing: RetryTiming | None = None,
        process_functions: Collection[str] = (),
        extra_environment: Mapping[str, str] | None = None,
        overrides: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.aws = aws
        self.retry_timing = retry_timing or RetryTiming.aws()
        known = set(aws.template.of_type("AWS::Serverless::Function"))
        # A typo must not pass silently as "no override" or "in-process".
        for what, names in (
            ("override", overrides or {}),
            ("process container", process_functions),
        ):
            unknown = set(names) - known
            if unknown:
                raise KeyError(f"no function {sorted(unknown)[0]!r} in template.yaml ({what})")
        self.process_functions = frozenset(process_functions)
        self.extra_environment = dict(extra_environment or {})
        self.overrides = {name: dict(env) for name, env in (overrides or {}).items()}
        # Set by the stack when the AWS fault proxy stands between the functions and AWS.
        self.aws_proxy_url: str | None = None
        self.pool = ContainerPool(self._start_container)
        self.crashes = CrashPlans()
        self.queue = AsyncQueue(
            run=self._run_event,
            send_record=self._send_record,
            timing=self.retry_timing,
            config_for=self.event_invoke_config,
            arn_of=lambda function: self.aws.arns[function],
        )
        self.invocations: list[tuple[str, str]] = []  # (logical id, invocation type), in order
        super().__init__()

    # ------------------------------------------------------------------ addressing
    def logical_id(self, name_or_arn: str) -> str:
        name = unquote(name_or_arn)
        for logical_id in self.aws.template.of_type("AWS::Serverless::Function"):
            if name in (self.aws.refs.get(logical_id), self.aws.arns.get(logical_id), logical_id):
                return logical_id
        raise KeyError(f"no function {name!r} in template.yaml")

    def environment(self, logical_id: str) -> dict[str, str]:
        env = self.aws.function_environment(logical_id)
        if self.url:
            env["LAMBDA_ENDPOINT_URL"] = self.url
        if self.aws_proxy_url:
            env["AWS_ENDPOINT_URL"] = env["LAMBDA_ENDPOINT_URL"] = self.aws_proxy_url
        env.update(self.extra_environment)
        env.update(self.overrides.get(logical_id, {}))
        return env

    def kind_of(self, logical_id: str) -> ContainerKind:
        if logical_id in self.process_functions:
            return ContainerKind.PROCESS
        return ContainerKind.IN_PROCESS

    def event_invoke_config(self, logical_id: str) -> EventInvokeConfig:
        return EventInvokeConfig.from_properties(
            self.aws.template.resources[logical_id]["Properties"]
        )

    # ------------------------------------------------------------------ containers
    async def _start_container(self, logical_id: str, name: str) -> Container:
        spec = self.aws.template.function(logical_id)
        environment = self.environment(logical_id)
        if self.kind_of(logical_id) is ContainerKind.PROCESS:
            return await ProcessContainer.start(
                name=name,
                function=logical_id,
                function_name=self.aws.refs[logical_id],
                handler=spec.handler,
                environment=environment,
                on_step=self._on_step,
            )
        return await InProcessContainer.start(name, logical_id, spec.handler, environment)

    async def _run(self, logical_id: str, invocation: Invocation) -> tuple[Container, Any]:
        container = await self.pool.acquire(logical_id)
        try:
            return container, await container.invoke(invocation)
        except FunctionError as exc:
            exc.container = container.name
            raise
        except asyncio.CancelledError:
            container.kill()  # what it was doing cannot be taken back: the container goes
            raise
        finally:
            await self.pool.release(container)

    def _invocation(self, logical_id: str, event: Any, request_id: str) -> Invocation:
        return Invocation(
            request_id=request_id,
            event=event,
            function_name=self.aws.refs[logical_id],
            timeout_s=float(self.aws.template.function(logical_id).timeout),
        )

    async def retire_containers(self) -> None:
        """Forget every warm container (as after a deploy): the next invocation builds anew."""
        await self.pool.retire_idle()

    # ------------------------------------------------------------------ invoking
    async def invoke(self, name_or_arn: str, event: Any) -> Any:
        """A synchronous (RequestResponse) invocation in a free container."""
        logical_id = self.logical_id(name_or_arn)
        self.invocations.append((logical_id, "RequestResponse"))
        invocation = self._invocation(logical_id, event, str(uuid.uuid4()))
        _, result = await self._run(logical_id, invocation)
        return result

    def invoke_async(self, name_or_arn: str, event: Any) -> AsyncEvent | None:
        """An asynchronous (Event) invocation: queued, run at once in a free container, retried
        on failure as the function's EventInvokeConfig says, then given up."""
        logical_id = self.logical_id(name_or_arn)
        self.invocations.append((logical_id, "Event"))
        return self.queue.put(logical_id, event)

    async def _run_event(self, queued: AsyncEvent) -> str:
        invocation = self._invocation(queued.function, queued.payload, queued.request_id)
        container, _ = await self._run(queued.function, invocation)
        return container.name

    async def _send_record(self, queue: str, record: dict[str, Any]) -> None:
        sqs = self.aws.client("sqs")
        await asyncio.to_thread(
            sqs.send_message, QueueUrl=self.aws.refs[queue], MessageBody=json.dumps(record)
        )

    @property
    def async_events(self) -> Journal[AsyncEvent]:
        return self.queue.events

    @property
    def attempts(self) -> Journal[Attempt]:
        return self.queue.attempts

    async def drain(self) -> None:
        """Wait until every asynchronous event (and those it started) has succeeded or been given
        up, retries included: under AWS's timing that can take minutes."""
        await self.queue.drain()

    async def discard_pending(self) -> None:
        """Let running attempts finish, and drop the events waiting for a retry instead of
        running them (a test's leftovers must not act in the next test)."""
        await self.queue.discard_pending()

    def clear_records(self) -> None:
        """Forget kill plans and what was recorded: events, attempts, steps, kills, cold starts."""
        self.crashes.clear()
        self.queue.clear()
        self.pool.cold_starts.clear()
        self.pool.peak_busy.clear()
        self.invocations.clear()

    # ------------------------------------------------------------------ crashes
    def kill_at(
        self,
        step: Step | str,
        *,
        bid_id: str | None = None,
        times: int | None = 1,
        function: str = EXECUTOR,
    ) -> KillPlan:
        """SIGKILL `function`'s container when its executor reaches `step` (for `bid_id`, or any
        snipe), `times` times (None: every time). The kill counts as a failed invocation."""
        logical_id = self._require_process(function)
        return self.crashes.add(KillPlan(logical_id, Step(step), bid_id, times))

    def kill_now(self, function: str = EXECUTOR, *, bid_id: str | None = None) -> list[Kill]:
        """SIGKILL every container of `function` running an invocation (about `bid_id`, if
        given), wherever it is."""
        kills = []
        for container in self.pool.busy(self._require_process(function)):
            invocation = container.current
            if invocation is None or (bid_id is not None and invocation.bid_id != bid_id):
                continue
            kills.append(self._kill(container, invocation.request_id, invocation.bid_id, None))
        return kills

    async def reached(
        self, step: Step | str, *, bid_id: str | None = None, timeout_s: float = 30.0
    ) -> StepReached:
        """The first time an executor reached `step` (for `bid_id`), waiting for it if need be."""
        wanted = Step(step)
        [reached] = await self.steps.wait_for(
            lambda s: s.step is wanted and (bid_id is None or s.bid_id == bid_id),
            timeout_s=timeout_s,
        )
        return reached

    async def killed(self, *, bid_id: str | None = None, timeout_s: float = 30.0) -> Kill:
        """The first kill (of an invocation about `bid_id`), waiting for it if need be."""
        [kill] = await self.kills.wait_for(
            lambda k: bid_id is None or k.bid_id == bid_id, timeout_s=timeout_s
        )
        return kill

    @property
    def steps(self) -> Journal[StepReached]:
        return self.crashes.steps

    @property
    def kills(self) -> Journal[Kill]:
        return self.crashes.kills

    def _require_process(self, function: str) -> str:
        """`function`'s logical id, if its containers can be killed."""
        logical_id = self.logical_id(function)
        if self.kind_of(logical_id) is not ContainerKind.PROCESS:
            raise ValueError(
                f"{function} runs in in-process containers, which cannot be killed: name it in "
                "process_functions (StackOptions.process_functions)"
            )
        return logical_id

    def _on_step(self, container: ProcessContainer, report: StepReport) -> bool:
        """A process container's executor reached a step: go on, unless a plan kills it here."""
        reached = StepReached(
            function=container.function,
            container=container.name,
            request_id=report.request_id,
            step=Step(report.step),
            bid_id=report.bid_id,
            user_id=report.user_id,
            status=report.status,
        )
        self.crashes.steps.append(reached)
        if self.crashes.take(reached) is None:
            return True
        self._kill(container, report.request_id, report.bid_id, reached.step)
        return False

    def _kill(
        self, container: Container, request_id: str | None, bid_id: str | None, step: Step | None
    ) -> Kill:
        pid = container.kill()
        assert pid is not None, "only process containers are killed"
        kill = Kill(container.function, container.name, pid, request_id, bid_id, step)
        self.crashes.kills.append(kill)
        log.warning(
            "killed %s (pid %d) %s", container.name, pid, f"at {step}" if step else "while running"
        )
        return kill

    # ------------------------------------------------------------------ the Invoke API
    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2015-03-31/functions/{name}/invocations", self._handle_invoke)
        return app

    async def stop(self) -> None:
        await self.queue.stop()
        await self.pool.stop()
        await super().stop()

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
        if invocation_type == "DryRun":
            return web.Response(status=204)
        if invocation_type == "Event":
            queued = self.invoke_async(name, event)
            request_id = queued.request_id if queued is not None else str(uuid.uuid4())
            return web.Response(status=202, headers={"x-amzn-RequestId": request_id})
        try:
            result = await self.invoke(name, event)
        except FunctionError as exc:
            return web.json_response(
                exc.failure.payload(), headers={"X-Amz-Function-Error": "Unhandled"}
            )
        return web.json_response(result)
