"""The eBay Sniper HTTP API as the CLI calls it: a bearer token, JSON both ways, the API's
refusals in words, and a few retries where sending a request again is safe.

Safe to send again: GET, PUT and DELETE (the API's are idempotent), and a POST that carries an
Idempotency-Key (the same key on every try, so the API does the work once). A POST without one
(redeeming an eBay consent code) is sent once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import requests

from sniper.cli.errors import CliError, NotSignedIn, UnknownStack

RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER_SECONDS: Final = 10.0
USER_AGENT: Final = "sniper-cli"

# Called with refresh=True after a 401: a fresh token, or NotSignedIn.
BearerToken = Callable[[bool], str]


class ApiError(CliError):
    """The API answered with an error status: what it said, where, and how to quote it."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        correlation_id: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        details: list[tuple[str, str]] = []
        if field:
            details.append(("field", field))
        details.append(("status", f"{status} {code}".strip()))
        if correlation_id and status >= 500:
            details.append(("correlation id", f"{correlation_id} (quote it if you report this)"))
        super().__init__(message, details=tuple(details))
        self.status = status
        self.code = code
        self.field = field
        self.correlation_id = correlation_id
        self.body = dict(body or {})


class Api:
    def __init__(
        self,
        base_url: str,
        bearer: BearerToken | None = None,
        *,
        local: bool = False,
        http: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        retries: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._bearer = bearer
        self._local = local
        self._http = http or requests.Session()
        self._timeout = timeout
        self._retries = retries
        self._sleep = sleep

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.call("GET", path, params=params)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        safe = method in ("GET", "PUT", "DELETE") or idempotency_key is not None
        query = {k: v for k, v in (params or {}).items() if v is not None}
        refreshed = False
        attempt = 0
        while True:
            if self._bearer is not None:
                headers["Authorization"] = f"Bearer {self._bearer(False)}"
            try:
                response = self._http.request(
                    method,
                    self.base_url + path,
                    params=query,
                    json=body,
                    headers=headers,
                    timeout=self._timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if safe and attempt < self._retries:
                    attempt += 1
                    self._sleep(0.5 * 2 ** (attempt - 1))
                    continue
                raise self._unreachable(exc) from None
            if response.status_code == 401 and self._bearer is not None and not refreshed:
                refreshed = True
                self._bearer(True)  # a fresh token (or NotSignedIn), then the same request
                continue
            if response.status_code in RETRY_STATUSES and safe and attempt < self._retries:
                attempt += 1
                self._sleep(_retry_delay(response, attempt))
                continue
            return _answer(response)

    def pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paged list (items / nextCursor), page after page, up to `limit`."""
        query = dict(params or {})
        query.setdefault("limit", 100)
        seen = 0
        while True:
            page = self.get(path, query)
            for item in page.get("items", []):
                yield item
                seen += 1
                if limit is not None and seen >= limit:
                    return
            cursor = page.get("nextCursor")
            if not cursor:
                return
            query["cursor"] = cursor

    def _unreachable(self, exc: Exception) -> CliError:
        reason = _reason(exc)
        if self._local:
            return UnknownStack(
                f"The local stack at {self.base_url} is not answering ({reason}).",
                hint="It has stopped, leaving its state file behind: start it again with "
                "`sniper local` (or `make run`).",
            )
        return CliError(f"Cannot reach the API at {self.base_url}: {reason}")


def _answer(response: requests.Response) -> Any:
    if response.ok and (response.status_code == 204 or not response.content):
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.ok:
        return body
    if response.status_code == 401:
        raise NotSignedIn(
            "The API refused your sign-in.", hint="Sign in again with `sniper login`."
        )
    raise _error(response, body)


def _error(response: requests.Response, body: Any) -> ApiError:
    status = response.status_code
    detail: Mapping[str, Any] = {}
    if isinstance(body, Mapping):
        inner = body.get("error")
        detail = inner if isinstance(inner, Mapping) else body
    message = str(detail.get("message") or response.reason or f"HTTP {status}")
    correlation = (
        detail.get("correlationId")
        or response.headers.get("X-Correlation-Id")
        or response.headers.get("apigw-requestid")
    )
    return ApiError(
        status,
        str(detail.get("code") or ""),
        message,
        field=str(detail["field"]) if detail.get("field") else None,
        correlation_id=str(correlation) if correlation else None,
        body=detail,
    )


def _retry_delay(response: requests.Response, attempt: int) -> float:
    after = response.headers.get("Retry-After")
    if after is not None:
        try:
            return min(max(float(after), 0.0), MAX_RETRY_AFTER_SECONDS)
        except ValueError:
            pass  # an HTTP date: fall back to our own backoff
    return float(0.5 * 2 ** (attempt - 1))


def _reason(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return "timed out"
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    return text.split(": ", 1)[-1][:200] if text else type(exc).__name__
