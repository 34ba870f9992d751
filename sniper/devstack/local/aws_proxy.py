"""The AWS fault proxy: an HTTP proxy between the functions and the local AWS (moto, and the local
Lambda runtime's Invoke API) that injects the faults of `aws_faults`.

When the stack runs it, the functions' AWS_ENDPOINT_URL and LAMBDA_ENDPOINT_URL point here. A
request is passed on byte for byte, Host header included: it is part of what SigV4 signs, so the
signature stays the one the client computed (moto does not check it; AWS would). Lambda's
requests go to the Invoke API, the others to moto. The stack's own calls (the scheduler reading
its schedules, the runtime writing to a dead-letter queue) are AWS's inside and do not pass here.

Tests use `proxy.faults` (`AwsFaults`); anyone else the admin API, like the eBay simulator's:
    POST   /_faults  {"service": "dynamodb", "operation": "PutItem",
                      "error": "ProvisionedThroughputExceededException", "count": 2}
    GET    /_faults  the rules in force, the faults injected, the calls seen
    DELETE /_faults
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import aiohttp
import msgspec
from aiohttp import web

from sniper.devstack.local import aws_errors
from sniper.devstack.local.aws_faults import AwsFaultRule, AwsFaults
from sniper.devstack.local.serving import LoopbackService

log = logging.getLogger("sniper.devstack.local.aws_proxy")

ADMIN_PATH = "/_faults"  # no AWS API has a path like it
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "te", "trailer",
     "upgrade", "proxy-connection"}
)  # fmt: skip
_MAX_BODY = 16 * 1024 * 1024


class NewFault(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    service: str
    operation: str = "*"
    error: str | None = None
    status: int | None = None
    message: str | None = None
    delayMs: int = 0
    drop: bool = False
    apply: Literal["before", "after"] = "before"
    count: int | None = None
    untilEpochMs: int | None = None


class AwsFaultProxy(LoopbackService):
    def __init__(self, *, aws_endpoint: str, lambda_endpoint: str) -> None:
        self.aws_endpoint = aws_endpoint.rstrip("/")
        self.lambda_endpoint = lambda_endpoint.rstrip("/")
        self.faults = AwsFaults()
        self._http: aiohttp.ClientSession | None = None
        super().__init__()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        # Bodies pass through as they are, compressed or not.
        self._http = aiohttp.ClientSession(
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            timeout=aiohttp.ClientTimeout(total=None),
        )
        return await super().start(host, port)

    def application(self) -> web.Application:
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_post(ADMIN_PATH, self._add_fault)
        app.router.add_get(ADMIN_PATH, self._list_faults)
        app.router.add_delete(ADMIN_PATH, self._clear_faults)
        app.router.add_route("*", r"/{tail:[\s\S]*}", self._proxy)
        return app

    async def stop(self) -> None:
        await super().stop()
        if self._http is not None:
            await self._http.close()
            self._http = None

    # ------------------------------------------------------------------ proxying
    async def _proxy(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        path = request.raw_path.split("?", 1)[0]
        service = aws_errors.service_of(request.headers, path) or "*"
        operation = aws_errors.operation_of(service, request.method, path, request.headers)
        rule = self.faults.take(service, operation)
        if rule is None:
            return await self._forward(request, body, service)
        if rule.apply == "before" and rule.delay_ms:
            await asyncio.sleep(rule.delay_ms / 1000)
        replaced = rule.drop or rule.error is not None
        if rule.apply == "after" or not replaced:
            answer = await self._forward(request, body, service)
            if rule.apply == "after" and rule.delay_ms:
                await asyncio.sleep(rule.delay_ms / 1000)
            if not replaced:
                return answer
        log.info("injected into %s %s: %s", service, operation, rule.error or "drop")
        if rule.drop:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=204)  # written to a closed transport: goes nowhere
        assert rule.error is not None
        error = aws_errors.error_response(
            service, rule.error, rule.status_for(service) or 400, rule.message
        )
        return web.Response(status=error.status, headers=error.headers, body=error.body)

    async def _forward(self, request: web.Request, body: bytes, service: str) -> web.Response:
        assert self._http is not None
        upstream = self.lambda_endpoint if service == "lambda" else self.aws_endpoint
        # The Host header goes on unchanged: SigV4 signed it.
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP]
        async with self._http.request(
            request.method,
            upstream + request.raw_path,
            headers=headers,
            data=body,
            allow_redirects=False,
        ) as answer:
            data = await answer.read()
            response = web.Response(status=answer.status, body=data)
            for name, value in answer.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    response.headers.add(name, value)
            return response

    # ------------------------------------------------------------------ the admin API
    async def _add_fault(self, request: web.Request) -> web.Response:
        try:
            new = msgspec.json.decode(await request.read(), type=NewFault)
            rule = AwsFaultRule(
                service=new.service,
                operation=new.operation,
                error=new.error,
                status=new.status,
                message=new.message,
                delay_ms=new.delayMs,
                drop=new.drop,
                apply=new.apply,
                count=new.count if new.count is not None or new.untilEpochMs else 1,
                until_ns=new.untilEpochMs * 1_000_000 if new.untilEpochMs else None,
            )
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        self.faults.add_rule(rule)
        return web.json_response({"faults": len(self.faults.rules)}, status=201)

    async def _list_faults(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "rules": msgspec.to_builtins(self.faults.rules),
                "injected": msgspec.to_builtins(list(self.faults.injected)),
                "calls": [
                    {"service": s, "operation": o, "count": n}
                    for (s, o), n in sorted(self.faults.calls.items())
                ],
            }
        )

    async def _clear_faults(self, request: web.Request) -> web.Response:
        self.faults.clear()
        return web.json_response({"faults": 0})
