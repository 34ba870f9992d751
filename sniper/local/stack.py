"""The local stack: every piece that stands in for AWS and eBay, started and stopped together."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sniper.local.aws import LocalAws


@dataclass(frozen=True)
class StackOptions:
    host: str = "127.0.0.1"
    api_port: int = 3000
    state_file: Path | None = None


class LocalStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.aws: LocalAws | None = None

    async def __aenter__(self) -> LocalStack:
        self.aws = await asyncio.to_thread(LocalAws.start, host=self.options.host)
        if self.options.state_file:
            self.options.state_file.write_text(json.dumps(self.describe(), indent=2))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.aws is not None:
            await asyncio.to_thread(self.aws.stop)

    def describe(self) -> dict[str, Any]:
        assert self.aws is not None
        summary = self.aws.summary()
        return {
            "awsEndpoint": summary["endpoint"],
            "region": summary["region"],
            "userPoolId": self.aws.refs["UserPool"],
            "userPoolClientId": self.aws.refs["UserPoolClient"],
            "resources": summary["resources"],
        }
