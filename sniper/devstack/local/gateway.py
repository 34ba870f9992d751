"""The local API gateway: an HTTP API (payload format 2.0) in front of the local functions.

Like API Gateway it invokes the function for each request at once: concurrent requests run
concurrently, each in a container of its own (the local runtime's pool).

Routes come from `template.yaml`'s HttpApi events, so the local API and the deployed one expose the
same paths. Like API Gateway it answers CORS preflights itself and sets `Access-Control-Allow-Origin`
for the configured origins only, refuses a missing or bad token on an authorized route with 401
before any function runs, answers an unknown route with 404, builds the v2 event (claims in
`requestContext.authorizer.jwt`), and turns the function's result back into an HTTP response.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from sniper.devstack.local.containers import FunctionError
from sniper.devstack.local.jwt_auth import (
    JwtAuthorizer,
    TokenRefused,
    gateway_claims,
    gateway_scopes,
)
from sniper.devstack.local.serving import LoopbackService
from sniper.devstack.local.template import Cors, Template

log = logging.getLogger("sniper.devstack.local.gateway")

# API Gateway's integration timeout for HTTP APIs, and its largest request body.
INTEGRATION_TIMEOUT_SECONDS = 30.0
MAX_BODY_BYTES = 10 * 1024 * 1024
# Headers the gateway owns on the way out (the transport computes the framing ones).
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})
_TEXT_TYPES = frozenset(
    {"application/json", "application/xml", "application/javascript",
     "application/x-www-form-urlencoded"}
)  # fmt: skip


class Invoker(Protocol):
    """What runs a function: `LocalFunctions` in the stack."""

    async def invoke(self, name_or_arn: str, event: Any) -> Any: ...


# ---------------------------------------------------------------------- routing
@dataclass(frozen=True)
class ApiRoute:
    """One `METHOD /path/{param}` route and the function that owns it."""

    method: str
    path: str
    function: str
    authorized: bool

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.strip("/").split("/")) if self.path.strip("/") else ()

    def specificity(self) -> tuple[Any, ...]:
        # API Gateway prefers the most specific route: literal segments over {param} over
        # {proxy+}, and an exact method over ANY.
        kinds = tuple(
            2 if segment.endswith("+}") else 1 if segment.startswith("{") else 0
            for segment in self.segments
        )
        return (kinds, self.method == "ANY")

    def match(self, method: str, raw_path: str) -> dict[str, str] | None:
        if self.method not in (method, "ANY"):
            return None
        parts = raw_path.strip("/").split("/") if raw_path.strip("/") else []
        params: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = parts[index:]
                if not rest:
                    return None
                params[segment[1:-2]] = unquote("/".join(rest))
                return params
            if index >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                if not parts[index]:
                    return None
                params[segment[1:-1]] = unquote(parts[index])
            elif segment != unquote(parts[index]):
                return None
        return params if len(parts) == len(self.segments) else None


class GatewayRoutes:
    """The template's HTTP API routes, most specific first: which function a request invokes."""

    def __init__(self, routes: Iterable[ApiRoute]) -> None:
        self.routes = sorted(routes, key=ApiRoute.specificity)

    @classmethod
    def from_template(cls, template: Template) -> GatewayRoutes:
        return cls(
            ApiRoute(route.method, route.path, spec.logical_id, route.authorized)
            for spec in template.functions()
            for route in spec.routes
        )

    def match(self, method: str, raw_path: str) -> tuple[ApiRoute, dict[str, str]] | None:
        for route in self.routes:
            params = route.match(method, raw_path)
            if params is not None:
                return route, params
        return None


# ---------------------------------------------------------------------- CORS
@dataclass(frozen=True)
class CorsPolicy:
    cors: Cors | None

    def allowed_origin(self, origin: str | None) -> str | None:
        """The value for Access-Control-Allow-Origin, or None when the origin is not allowed."""
        if self.cors is None or not origin:
            return None
        if "*" in self.cors.allow_origins:
            return "*"
        return origin if origin in self.cors.allow_origins else None

    def preflight_headers(self, request: web.Request) -> dict[str, str]:
        origin = self.allowed_origin(request.headers.get("Origin"))
        if origin is None or self.cors is None:
            return {}
        methods = {method.upper() for method in self.cors.allow_methods}
        wanted_method = request.headers.get("Access-Control-Request-Method", "").upper()
        if wanted_method and "*" not in methods and wanted_method not in methods:
            return {}
        allowed_headers = {header.lower() for header in self.cors.allow_headers}
        wanted_headers = {
            header.strip().lower()
            for header in request.headers.get("Access-Control-Request-Headers", "").split(",")
            if header.strip()
        }
        if "*" not in allowed_headers and not wanted_headers <= allowed_headers:
            return {}
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ",".join(self.cors.allow_methods),
            "Access-Control-Allow-Headers": ",".join(h.lower() for h in self.cors.allow_headers),
            "Vary": "Origin",
        }
        if self.cors.max_age:
            headers["Access-Control-Max-Age"] = str(self.cors.max_age)
        return headers


# ---------------------------------------------------------------------- the event
@dataclass(frozen=True)
class RequestInfo:
    """What the gateway knows of the caller beyond the HTTP request itself."""

    account_id: str
    api_id: str
    request_id: str
    received: datetime


def build_event(
    request: web.Request,
    body: bytes,
    route: ApiRoute,
    path_parameters: Mapping[str, str],
    claims: Mapping[str, Any] | None,
    info: RequestInfo,
) -> dict[str, Any]:
    """The HTTP API payload format 2.0 event for `request`."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    cookie_header = headers.pop("cookie", None)
    source_ip = request.remote or "127.0.0.1"
    forwarded_for = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded_for}, {source_ip}" if forwarded_for else source_ip
    headers["x-forwarded-proto"] = "http"
    headers["x-forwarded-port"] = str(_local_port(request))
    headers["x-amzn-trace-id"] = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    domain_name = request.host
    raw_path, _, raw_query = request.raw_path.partition("?")
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": info.account_id,
            "apiId": info.api_id,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0].split(":", 1)[0],
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": f"HTTP/{request.version.major}.{request.version.minor}",
                "sourceIp": source_ip,
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": info.request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": info.received.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(info.received.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookie_header:
        event["cookies"] = [c.strip() for c in cookie_header.split(";") if c.strip()]
    query = _query_parameters(raw_query)
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if claims is not None:
        event["requestContext"]["authorizer"] = {
            "jwt": {"claims": gateway_claims(claims), "scopes": gateway_scopes(claims)}
        }
    if body:
        if _is_text(request.headers.get("Content-Type")):
            event["body"] = body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def _query_parameters(raw: str) -> dict[str, str]:
    # API Gateway joins a repeated parameter's values with commas.
    params: dict[str, str] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    return params


def _is_text(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith("+json")
        or media.endswith("+xml")
    )


def _local_port(request: web.Request) -> int:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return int(sockname[1]) if sockname else 80


# ---------------------------------------------------------------------- the result
class MalformedResult(Exception):
    """The function's result is not a valid HTTP API response (API Gateway answers 500)."""


def http_response(result: Any) -> web.Response:
    """The HTTP response for a function's result, as payload format 2.0 interprets it."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Format 2.0: anything else is taken as a 200 JSON body.
        text = result if isinstance(result, str) else json.dumps(result)
        return web.Response(status=200, text=text, content_type="application/json")
    try:
        status = int(result["statusCode"])
    except (TypeError, ValueError):
        raise MalformedResult("statusCode is not an integer") from None
    body = result.get("body")
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    else:
        raise MalformedResult("body is not a string")
    response = web.Response(status=status, body=data)
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in _HOP_BY_HOP:
            response.headers[name] = str(value)
    if "Content-Type" not in response.headers and data:
        response.headers["Content-Type"] = "application/json"
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", str(cookie))
    return response


def _forget(tasks: set[asyncio.Task[Any]]) -> Callable[[asyncio.Task[Any]], None]:
    def done(task: asyncio.Task[Any]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("an abandoned invocation failed: %s", task.exception())

    return done


def _message(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response({"message": message}, status=status, headers=headers)


# ---------------------------------------------------------------------- the server
class LocalGateway(LoopbackService):
    # Long query strings must reach the API, which answers an over-long value with a JSON 400
    # naming the field, rather than die in aiohttp's 8 KB request-line limit.
    handler_args = {"max_line_size": 65536, "max_field_size": 65536}

    def __init__(
        self,
        *,
        routes: GatewayRoutes,
        invoker: Invoker,
        authorizer: JwtAuthorizer,
        cors: Cors | None,
        account_id: str,
        api_id: str = "local",
        integration_timeout_seconds: float = INTEGRATION_TIMEOUT_SECONDS,
    ) -> None:
        self.routes = routes
        self.invoker = invoker
        self.authorizer = authorizer
        self.cors = CorsPolicy(cors)
        self.account_id = account_id
        self.api_id = api_id
        self.integration_timeout_seconds = integration_timeout_seconds
        # Invocations the gateway stopped waiting for (integration timeout) but Lambda finishes.
        self._abandoned: set[asyncio.Task[Any]] = set()
        super().__init__()

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        # [\s\S]: a percent-encoded line break in a path must still reach the route table.
        app.router.add_route("*", r"/{tail:[\s\S]*}", self._handle)
        return app

    async def stop(self) -> None:
        await super().stop()
        for task in list(self._abandoned):
            task.cancel()
        await asyncio.gather(*self._abandoned, return_exceptions=True)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        info = RequestInfo(
            account_id=self.account_id,
            api_id=self.api_id,
            request_id=base64.b64encode(secrets.token_bytes(12)).decode("ascii"),
            received=datetime.now(UTC),
        )
        response = await self._respond(request, info)
        response.headers["apigw-requestid"] = info.request_id
        self._add_cors(request, response)
        # The path only: a query string may carry something secret (an OAuth code).
        log.info(
            "%s %s -> %d (%.0f ms)",
            request.method,
            request.path,
            response.status,
            (time.perf_counter() - started) * 1000,
        )
        return response

    async def _respond(self, request: web.Request, info: RequestInfo) -> web.Response:
        if request.method == "OPTIONS" and self.cors.cors is not None:
            return web.Response(status=204, headers=self.cors.preflight_headers(request))
        raw_path = request.raw_path.split("?", 1)[0]
        matched = self.routes.match(request.method, raw_path)
        if matched is None:
            return _message(404, "Not Found")
        route, params = matched
        claims: dict[str, Any] | None = None
        if route.authorized:
            try:
                claims = await self.authorizer.verify(request.headers.get("Authorization"))
            except TokenRefused as refused:
                log.info("401 on %s: %s", route.route_key, refused)
                challenge = (
                    'Bearer error="invalid_token"'
                    if "Authorization" in request.headers
                    else "Bearer"
                )
                return _message(401, "Unauthorized", {"WWW-Authenticate": challenge})
        body = await request.read()
        event = build_event(request, body, route, params, claims, info)
        # As API Gateway does: each request invokes at once, concurrently with the others (each
        # in a container of its own); past the integration timeout the client gets a 503 while
        # the function runs on to its own end.
        invocation = asyncio.create_task(self.invoker.invoke(route.function, event))
        try:
            result = await asyncio.wait_for(
                asyncio.shield(invocation), self.integration_timeout_seconds
            )
        except TimeoutError:
            self._abandoned.add(invocation)
            invocation.add_done_callback(_forget(self._abandoned))
            log.error("%s timed out after %.0f s", route.function, self.integration_timeout_seconds)
            return _message(503, "Service Unavailable")
        except FunctionError:
            log.exception("%s failed on %s", route.function, route.route_key)
            return _message(500, "Internal Server Error")
        except Exception:
            # The function could not even start (import or build failed): Lambda's init error.
            log.exception("%s could not be started for %s", route.function, route.route_key)
            return _message(500, "Internal Server Error")
        try:
            return http_response(result)
        except MalformedResult as exc:
            log.error("%s returned a malformed response: %s", route.function, exc)
            return _message(500, "Internal Server Error")

    def _add_cors(self, request: web.Request, response: web.StreamResponse) -> None:
        if self.cors.cors is None or request.method == "OPTIONS":
            return
        # With CORS configured, API Gateway owns these headers, whatever the function said.
        for name in {n for n in response.headers if n.lower().startswith("access-control-")}:
            response.headers.popall(name, None)
        origin = self.cors.allowed_origin(request.headers.get("Origin"))
        if origin is not None:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers.add("Vary", "Origin")
