"""The OpenAPI 3.1 document, generated from the declared operations and their msgspec Structs.

Nothing here is written by hand per route: paths, parameters, bodies and responses come from
`Operation`s, schemas from `msgspec.json.schema_components` over the same Structs the API
decodes and encodes with.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from sniper.api.errors import ErrorBody
from sniper.api.operations import HeaderParameter, Operation

REF_TEMPLATE = "#/components/schemas/{name}"
SECURITY_SCHEME = "cognito"

_ERROR_TEXT = {
    400: "The request is malformed; `error.field` names what to fix",
    401: "No verified sign-in",
    404: "No such resource (or it is someone else's)",
    409: "The resource changed or is in a state that does not allow this",
    412: "The signature did not verify",
    415: "The body is not declared as application/json (charset utf-8 at most)",
    422: "Well-formed, but the rules refuse it (see `error.code`)",
    500: "Unexpected error; quote `error.correlationId`",
    502: "An outside service answered unusably",
    503: "An outside service is unavailable; try again",
}


class GatewayMessage(msgspec.Struct, frozen=True):
    """What API Gateway itself answers before any function runs (its JWT authorizer's 401)."""

    message: str


def _types(operations: Iterable[Operation]) -> list[Any]:
    seen: list[Any] = [ErrorBody, GatewayMessage]
    for op in operations:
        for kind in (op.response, op.body, op.query):
            if kind is not None and kind not in seen:
                seen.append(kind)
    return seen


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _header_parameter(header: HeaderParameter) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if header.pattern is not None:
        schema["pattern"] = header.pattern
    if header.max_length is not None:
        schema["maxLength"] = header.max_length
    return {
        "name": header.name,
        "in": "header",
        "required": header.required,
        "description": header.description,
        "schema": schema,
    }


def document(
    operations: Iterable[Operation], *, title: str, version: str, description: str = ""
) -> dict[str, Any]:
    ops = list(operations)
    types = _types(ops)
    refs, components = msgspec.json.schema_components(types, ref_template=REF_TEMPLATE)
    schema_of = dict(zip(map(id, types), refs, strict=True))
    error_ref = schema_of[id(ErrorBody)]
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in op.path_parameters
        ]
        if op.query is not None:
            query_name = schema_of[id(op.query)]["$ref"].rsplit("/", 1)[-1]
            parameters += _query_parameters(components[query_name])
        parameters += [_header_parameter(header) for header in op.headers]
        success: dict[str, Any] = {"description": op.summary}
        if op.response is not None:
            success["content"] = {op.content_type: {"schema": schema_of[id(op.response)]}}
        responses: dict[str, Any] = {str(op.status): success}
        statuses = {*op.errors, 500}
        if op.authorized:
            statuses.add(401)
        if op.body is not None:
            statuses |= {400, 415}  # every body is read by decoding.json_body
        for status in sorted(statuses):
            schema = error_ref
            if status == 401:
                # Usually the gateway's authorizer ({"message": "Unauthorized"}); the function's
                # own 401 (claims missing) uses the error body.
                schema = {"anyOf": [error_ref, schema_of[id(GatewayMessage)]]}
            responses[str(status)] = {"description": _ERROR_TEXT[status], "content": _json(schema)}
        operation: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
            "responses": responses,
        }
        if parameters:
            operation["parameters"] = parameters
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": _json(schema_of[id(op.body)])}
        if not op.authorized:
            operation["security"] = []
        paths.setdefault(op.path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A Cognito ID or access token",
                },
            },
        },
        "security": [{SECURITY_SCHEME: []}],
    }
