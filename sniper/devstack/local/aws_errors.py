"""What AWS speaks on the wire, for the fault proxy: which service and operation a request is, and
an error response in the shape botocore parses and its retry handler classifies.

The service comes from the SigV4 credential scope (`Credential=AKID/date/region/<service>/...`),
the operation from X-Amz-Target for the JSON protocols (DynamoDB, KMS, Secrets Manager, SQS) and from
the method and path, matched against botocore's own service model, for the REST ones (Scheduler,
Lambda). Errors: the JSON protocols answer `{"__type": code, "message": ...}` (status 400 for
client errors, throttling included); the REST ones name the code in `x-amzn-ErrorType`.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_LAMBDA_PATH = re.compile(r"^/20\d\d-\d\d-\d\d/functions/")

# Status codes of errors the JSON protocols' models do not carry.
_STATUS = {
    "InternalServerError": 500,
    "InternalFailure": 500,
    "InternalServiceError": 500,
    "InternalServerException": 500,
    "KMSInternalException": 500,
    "ServiceException": 500,
    "ServiceUnavailable": 503,
    "ServiceUnavailableException": 503,
    "TooManyRequestsException": 429,
}
_MESSAGES = {
    "ProvisionedThroughputExceededException": (
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API."
    ),
    "ThrottlingException": "Rate exceeded",
    "TooManyRequestsException": "Rate Exceeded.",
    "ServiceUnavailable": "Service Unavailable",
}


@cache
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


@cache
def _rest_routes(service: str) -> tuple[tuple[str, re.Pattern[str], int, str], ...]:
    """(method, path pattern, literal length, operation) for each of a REST service's operations."""
    model = _model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?", 1)[0]
        pattern = re.sub(
            r"\\\{[^}]+\\\}",
            lambda m: ".+" if m.group(0).endswith("+\\}") else "[^/]+",
            re.escape(uri),
        )
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        routes.append((http["method"], re.compile(f"^{pattern}$"), literal, name))
    return tuple(sorted(routes, key=lambda route: -route[2]))


def service_of(headers: Any, path: str) -> str | None:
    """The service a request is for: its signing scope, or Lambda's path when it is unsigned."""
    match = _CREDENTIAL_SCOPE.search(headers.get("Authorization", ""))
    if match:
        return match.group(1)
    return "lambda" if _LAMBDA_PATH.match(path) else None


def operation_of(service: str, method: str, path: str, headers: Any) -> str:
    target = headers.get("X-Amz-Target")
    if target:
        return str(target).rsplit(".", 1)[-1]
    try:
        routes = _rest_routes(service)
    except Exception:  # a service botocore does not know: no name to match rules on
        return "*"
    for route_method, pattern, _, name in routes:
        if route_method == method and pattern.match(path):
            return name
    return "*"


def status_of(service: str, code: str) -> int:
    """The HTTP status AWS answers `code` with."""
    try:
        shape = _model(service).shape_for(code)
        status = (shape.metadata.get("error") or {}).get("httpStatusCode")
    except Exception:  # not in the model (or no such service): the protocol's convention
        status = None
    return int(status or _STATUS.get(code, 400))


@dataclass(frozen=True)
class AwsErrorResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def error_response(service: str, code: str, status: int, message: str | None) -> AwsErrorResponse:
    text = message or _MESSAGES.get(code) or code
    request_id = str(uuid.uuid4())
    try:
        model = _model(service)
        protocol, json_version = model.protocol, model.metadata.get("jsonVersion", "1.0")
    except Exception:
        protocol, json_version = "rest-json", "1.1"
    if protocol == "json":
        type_name = f"com.amazonaws.dynamodb.v20120810#{code}" if service == "dynamodb" else code
        headers = {
            "Content-Type": f"application/x-amz-json-{json_version}",
            "x-amzn-RequestId": request_id,
        }
        body: dict[str, Any] = {"__type": type_name, "message": text}
    else:
        headers = {
            "Content-Type": "application/json",
            "x-amzn-RequestId": request_id,
            "x-amzn-ErrorType": code,
        }
        body = {"message": text}
        if service == "lambda":
            body["Type"] = "Service" if status >= 500 else "User"
    return AwsErrorResponse(status, headers, json.dumps(body).encode())
