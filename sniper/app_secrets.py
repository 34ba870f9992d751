"""App credentials from Secrets Manager, read once per container and cached for a while.

Secrets never travel in environment variables: a function gets the secret's ARN and reads it here.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from botocore.exceptions import BotoCoreError, ClientError

from sniper.domain.errors import UpstreamUnavailable

if TYPE_CHECKING:
    from types_aiobotocore_secretsmanager import SecretsManagerClient

T = TypeVar("T")


class EbayAppSecret(msgspec.Struct, frozen=True, kw_only=True):
    client_id: str
    client_secret: str
    ru_name: str
    verification_token: str = ""

    def __repr__(self) -> str:
        return f"EbayAppSecret(client_id={self.client_id!r}, client_secret='***', ru_name={self.ru_name!r})"


class PostmarkSecret(msgspec.Struct, frozen=True, kw_only=True):
    server_token: str

    def __repr__(self) -> str:
        return "PostmarkSecret(server_token='***')"


class SecretsReader:
    """Reads and decodes secrets; a value is reused for `ttl_seconds` so rotation still lands."""

    def __init__(self, client: SecretsManagerClient, *, ttl_seconds: float = 300.0) -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self._cache: dict[tuple[str, Any], tuple[float, Any]] = {}

    async def read(self, arn: str, kind: type[T]) -> T:
        cached = self._cache.get((arn, kind))
        if cached and cached[0] > time.monotonic():
            value: T = cached[1]
            return value
        text = await self.read_text(arn)
        try:
            value = msgspec.json.decode(text, type=kind)
        except msgspec.DecodeError as exc:
            # Say which secret and which field, never the value.
            raise UpstreamUnavailable(
                f"secret {arn} is not a valid {kind.__name__}: {exc}"
            ) from None
        self._cache[(arn, kind)] = (time.monotonic() + self.ttl_seconds, value)
        return value

    async def read_text(self, arn: str) -> str:
        try:
            result = await self.client.get_secret_value(SecretId=arn)
        except (ClientError, BotoCoreError) as exc:
            raise UpstreamUnavailable(f"cannot read secret {arn}") from exc
        return result["SecretString"]
