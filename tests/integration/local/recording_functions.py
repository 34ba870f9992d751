"""A local Lambda runtime whose asynchronous invokes are recorded, not run: for tests about what
arrives (through the scheduler, through the fault proxy), not about what the function does."""

from __future__ import annotations

from typing import Any

from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.lambdas import LocalFunctions


class RecordingFunctions(LocalFunctions):
    def __init__(self, aws: LocalAws) -> None:
        super().__init__(aws)
        self.received: list[tuple[str, Any]] = []  # (logical id, event)

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        self.received.append((self.logical_id(name_or_arn), event))

    async def __aenter__(self) -> RecordingFunctions:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
