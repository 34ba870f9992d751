"""Faults between the functions and AWS, as rules: which requests fail, stall or drop.

A rule matches a service (dynamodb, kms, secretsmanager, scheduler, lambda, or "*") and an
operation (AWS's name: PutItem, Decrypt, GetSecretValue, CreateSchedule, Invoke, or "*"), and is
used up after `count` requests or at `until`, whichever comes first (as the eBay simulator's
faults are). What it does:
- `error`: answer with that AWS error code (status from AWS's model, or `status`), in the shape
  botocore parses, so its retry handler treats it as AWS's own (throttling, 5xx);
- `delay_ms`: hold the request (or, with apply="after", the answer) that long;
- `drop`: close the connection without an answer.
With apply="after" the request reaches AWS first (the write happens) and only the answer is
replaced or lost: what makes a client's retry meet its own earlier write.

    faults.add("dynamodb", "PutItem", error="ProvisionedThroughputExceededException", count=2)
    faults.add("kms", status=503, count=None, for_s=5)   # every KMS call for 5 s
    faults.add("lambda", "Invoke", drop=True, apply="after")   # invoked, but no answer
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from sniper.devstack.local import aws_errors
from sniper.devstack.local.journal import Journal

SERVICES = frozenset({"*", "dynamodb", "kms", "secretsmanager", "scheduler", "lambda", "sqs"})

# The code a status-only rule answers with, per service where AWS's differs.
_CODE_FOR_STATUS = {
    400: {"*": "ThrottlingException"},
    429: {"*": "TooManyRequestsException", "scheduler": "ThrottlingException"},
    500: {
        "*": "InternalServerError",
        "kms": "KMSInternalException",
        "secretsmanager": "InternalServiceError",
        "scheduler": "InternalServerException",
        "lambda": "ServiceException",
    },
    503: {"*": "ServiceUnavailable"},
}


@dataclass
class AwsFaultRule:
    service: str
    operation: str = "*"
    error: str | None = None
    status: int | None = None
    message: str | None = None
    delay_ms: int = 0
    drop: bool = False
    apply: Literal["before", "after"] = "before"
    count: int | None = 1  # None: until `until`, or for ever
    until_ns: int | None = None
    used: int = 0

    def __post_init__(self) -> None:
        if self.service not in SERVICES:
            raise ValueError(f"service: {self.service!r} is not one of {sorted(SERVICES)}")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError("status: must be an HTTP error status, 400 to 599")
        if self.delay_ms < 0:
            raise ValueError("delay_ms: must not be negative")
        if self.count is not None and self.count < 1:
            raise ValueError("count: must be at least 1 (or None)")
        if self.error is None and self.status is None and not self.delay_ms and not self.drop:
            raise ValueError("a fault needs an error, a status, a delay or a drop")
        if self.drop and (self.error or self.status):
            raise ValueError("drop: a dropped connection has no error to answer with")
        if self.status is not None and self.error is None:
            codes = _CODE_FOR_STATUS.get(self.status, {"*": "InternalServerError"})
            self.error = codes.get(self.service, codes["*"])

    def live(self, now_ns: int) -> bool:
        if self.until_ns is not None and now_ns >= self.until_ns:
            return False
        return self.count is None or self.used < self.count

    def matches(self, service: str, operation: str) -> bool:
        return self.service in ("*", service) and self.operation in ("*", operation)

    def status_for(self, service: str) -> int | None:
        if self.error is None:
            return None
        return self.status or aws_errors.status_of(service, self.error)


@dataclass(frozen=True)
class Injected:
    """A fault the proxy applied to one request."""

    service: str
    operation: str
    error: str | None
    status: int | None
    delay_ms: int
    drop: bool
    apply: str
    at_ns: int = field(default_factory=time.time_ns)


class AwsFaults:
    """The rules in force, what they did, and how many requests each operation saw."""

    def __init__(self) -> None:
        self.rules: list[AwsFaultRule] = []
        self.injected: Journal[Injected] = Journal("AWS faults injected")
        self.calls: Counter[tuple[str, str]] = Counter()

    def add(
        self,
        service: str,
        operation: str = "*",
        *,
        error: str | None = None,
        status: int | None = None,
        message: str | None = None,
        delay_ms: int = 0,
        drop: bool = False,
        apply: Literal["before", "after"] = "before",
        count: int | None = 1,
        for_s: float | None = None,
    ) -> AwsFaultRule:
        """A new rule (see the module's docstring); `for_s`: live that long from now."""
        until_ns = time.time_ns() + int(for_s * 1e9) if for_s is not None else None
        rule = AwsFaultRule(
            service, operation, error, status, message, delay_ms, drop, apply, count, until_ns
        )
        return self.add_rule(rule)

    def add_rule(self, rule: AwsFaultRule) -> AwsFaultRule:
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Forget the rules and the record (between tests)."""
        self.rules.clear()
        self.injected.clear()
        self.calls.clear()

    def take(self, service: str, operation: str) -> AwsFaultRule | None:
        """Count a request, and return the first live rule for it (counting it against it)."""
        self.calls[(service, operation)] += 1
        now = time.time_ns()
        self.rules = [rule for rule in self.rules if rule.live(now)]
        for rule in self.rules:
            if rule.matches(service, operation):
                rule.used += 1
                self.injected.append(
                    Injected(
                        service, operation, rule.error, rule.status_for(service),
                        rule.delay_ms, rule.drop, rule.apply,
                    )
                )  # fmt: skip
                return rule
        return None
