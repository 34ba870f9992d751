"""The executor's entrypoint stays lean: a fresh interpreter importing it loads none of these."""

from __future__ import annotations

import json
import subprocess
import sys

# The API layer, Powertools' event handler, pydantic, and what only other functions need: the
# executor reaches AWS through aiobotocore (not aioboto3's resource layer) and never the API.
FORBIDDEN = (
    "sniper.api",
    "sniper.services.snipes",
    "aws_lambda_powertools.event_handler",
    "pydantic",
    "aioboto3",
    "boto3.resources",
    "postmarker",
)


def test_the_executor_entrypoint_does_not_load_heavy_modules() -> None:
    code = (
        "import json, sys\n"
        "import sniper.handlers.bid_executor as h\n"
        "assert callable(h.handler)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(done.stdout)
    assert "sniper.executor.engine" in loaded  # the check looks at the real thing
    heavy = [m for m in loaded if m.startswith(FORBIDDEN)]
    assert heavy == []
