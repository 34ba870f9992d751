"""Lean clients for the AWS JSON APIs the executor uses, shaped like aioboto3's.

Only the operations this codebase calls are implemented; each returns the same dict shape and
raises the same `botocore.exceptions.ClientError` as aioboto3 would, so repositories, the token
vault and the secrets reader accept either. Binary values travel base64 in JSON and are bytes here.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import msgspec
from botocore.exceptions import ClientError, EndpointConnectionError

from sniper.config import BaseSettings
from sniper.domain.errors import UpstreamUnavailable
from sniper.lean.http import ConnectionPool
from sniper.lean.sigv4 import Credentials, sign

_JSON_PROTOCOL = {
    # service: (signing name, content type, target prefix)
    "dynamodb": ("dynamodb", "application/x-amz-json-1.0", "DynamoDB_20120810"),
    "kms": ("kms", "application/x-amz-json-1.1", "TrentService"),
    "secretsmanager": ("secretsmanager", "application/x-amz-json-1.1", "secretsmanager"),
}
_ATTRIBUTE_KEYS = ("Item", "Attributes", "LastEvaluatedKey")
_encode = msgspec.json.Encoder().encode  # bytes become base64, as AWS's JSON protocol wants
_decode = msgspec.json.decode


def credentials_from_environment(environ: Mapping[str, str] | None = None) -> Credentials:
    """Lambda puts the function role's credentials in the environment."""
    env = os.environ if environ is None else environ
    try:
        return Credentials(
            env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env.get("AWS_SESSION_TOKEN")
        )
    except KeyError as missing:
        raise UpstreamUnavailable(f"no AWS credentials in the environment ({missing})") from None


class _Service:
    def __init__(
        self,
        service: str,
        *,
        region: str,
        endpoint: str,
        credentials: Credentials,
        pool: ConnectionPool,
    ) -> None:
        self.service = service
        self.region = region
        self.endpoint = endpoint.rstrip("/")
        self.credentials = credentials
        self.pool = pool

    async def _send(
        self, operation: str, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        url = self.endpoint + path
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        signing_name = _JSON_PROTOCOL.get(self.service, (self.service,))[0]
        signed = sign(
            method=method,
            url=url,
            headers=headers,
            body=body,
            credentials=self.credentials,
            region=self.region,
            service=signing_name,
            amz_date=amz_date,
        )
        try:
            response = await self.pool.request(method, url, signed, body)
        except UpstreamUnavailable as exc:
            raise EndpointConnectionError(endpoint_url=self.endpoint, error=exc) from None
        return response.status, response.headers, response.body

    @staticmethod
    def _error(operation: str, status: int, headers: Mapping[str, str], body: bytes) -> ClientError:
        code, message = headers.get("x-amzn-errortype", "").split(":")[0], ""
        try:
            payload = _decode(body) if body else {}
        except msgspec.DecodeError:
            payload = {}
        if isinstance(payload, dict):
            code = str(payload.get("__type", code) or code).rsplit("#", 1)[-1]
            message = str(payload.get("message", payload.get("Message", "")))
        response: Any = {
            "Error": {"Code": code or str(status), "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return ClientError(response, operation)


class _JsonService(_Service):
    async def call(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        _, content_type, prefix = _JSON_PROTOCOL[self.service]
        headers = {"Content-Type": content_type, "X-Amz-Target": f"{prefix}.{operation}"}
        status, response_headers, body = await self._send(
            operation, "POST", "/", headers, _encode(request)
        )
        if status >= 300:
            raise self._error(operation, status, response_headers, body)
        result: dict[str, Any] = _decode(body) if body else {}
        return result


def _bytes_in(value: Any) -> Any:
    """DynamoDB attribute values from JSON: {"B": base64} -> bytes, recursively."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((kind, inner),) = value.items()
            if kind == "B":
                return {"B": base64.b64decode(inner)}
            if kind == "BS":
                return {"BS": [base64.b64decode(v) for v in inner]}
        return {k: _bytes_in(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_bytes_in(v) for v in value]
    return value


class LeanDynamoDB(_JsonService):
    async def _items(self, operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
        result = await self.call(operation, request)
        for key in _ATTRIBUTE_KEYS:
            if key in result:
                result[key] = _bytes_in(result[key])
        if "Items" in result:
            result["Items"] = [_bytes_in(item) for item in result["Items"]]
        if "UnprocessedItems" in result:
            result["UnprocessedItems"] = _bytes_in(result["UnprocessedItems"])
        return result

    async def get_item(self, **request: Any) -> dict[str, Any]:
        return await self._items("GetItem", request)

    async def put_item(self, **request: Any) -> dict[str, Any]:
        return await self._items("PutItem", request)

    async def update_item(self, **request: Any) -> dict[str, Any]:
        return await self._items("UpdateItem", request)

    async def delete_item(self, **request: Any) -> dict[str, Any]:
        return await self._items("DeleteItem", request)

    async def query(self, **request: Any) -> dict[str, Any]:
        return await self._items("Query", request)

    async def scan(self, **request: Any) -> dict[str, Any]:
        return await self._items("Scan", request)

    async def batch_write_item(self, **request: Any) -> dict[str, Any]:
        return await self._items("BatchWriteItem", request)


class LeanKMS(_JsonService):
    async def encrypt(self, **request: Any) -> dict[str, Any]:
        result = await self.call("Encrypt", request)
        result["CiphertextBlob"] = base64.b64decode(result["CiphertextBlob"])
        return result

    async def decrypt(self, **request: Any) -> dict[str, Any]:
        result = await self.call("Decrypt", request)
        result["Plaintext"] = base64.b64decode(result["Plaintext"])
        return result


class LeanSecretsManager(_JsonService):
    async def get_secret_value(self, **request: Any) -> dict[str, Any]:
        return await self.call("GetSecretValue", request)


class LeanLambda(_Service):
    async def invoke(
        self,
        *,
        FunctionName: str,
        Payload: bytes | str = b"",
        InvocationType: str = "RequestResponse",
    ) -> dict[str, Any]:
        body = Payload.encode() if isinstance(Payload, str) else Payload
        path = f"/2015-03-31/functions/{quote(FunctionName, safe='')}/invocations"
        headers = {"Content-Type": "application/json", "X-Amz-Invocation-Type": InvocationType}
        status, response_headers, payload = await self._send("Invoke", "POST", path, headers, body)
        if status >= 300:
            raise self._error("Invoke", status, response_headers, payload)
        result: dict[str, Any] = {"StatusCode": status, "Payload": payload}
        if "x-amz-function-error" in response_headers:
            result["FunctionError"] = response_headers["x-amz-function-error"]
        return result


_CLIENTS: dict[str, type[_Service]] = {
    "dynamodb": LeanDynamoDB,
    "kms": LeanKMS,
    "secretsmanager": LeanSecretsManager,
    "lambda": LeanLambda,
}


class LeanAwsClients:
    """Same `get(service)` as `sniper.runtime.AwsClients`, for the services above."""

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str | None = None,
        endpoint_overrides: Mapping[str, str] | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self.endpoint_overrides = dict(endpoint_overrides or {})
        self._credentials = credentials
        self.pool = ConnectionPool()
        self._clients: dict[str, Any] = {}

    @classmethod
    def for_settings(cls, settings: BaseSettings) -> LeanAwsClients:
        return cls(
            region=settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            endpoint_overrides=settings.endpoint_overrides(),
        )

    async def get(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is None:
            endpoint = (
                self.endpoint_overrides.get(service)
                or self.endpoint_url
                or (f"https://{service}.{self.region}.amazonaws.com")
            )
            client = _CLIENTS[service](
                service,
                region=self.region,
                endpoint=endpoint,
                credentials=self._credentials or credentials_from_environment(),
                pool=self.pool,
            )
            self._clients[service] = client
        return client

    async def close(self) -> None:
        await self.pool.close()
