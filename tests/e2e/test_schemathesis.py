"""Property-based testing of the API through the local gateway with schemathesis.

The OpenAPI document the API serves drives the generated requests (positive and negative); every
answer must not be a 5xx and must match the document (status, content type, body schema). The run
is bounded (examples per operation, seconds) so the suite stays quick, and seeded so a failure
reproduces.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sniper.devstack.local.stack import LocalStack
from tests.e2e.test_routes import link_ebay
from tests.fixtures.stack import ApiUserFactory

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


async def test_the_api_keeps_its_documented_promises(
    api_url: str, api_user: ApiUserFactory, clean_stack: LocalStack, tmp_path: Path
) -> None:
    user = await api_user(name="Fuzz Tester")
    await link_ebay(clean_stack, user)  # so the eBay-backed routes are reachable too
    process = await asyncio.create_subprocess_exec(
        str(SCHEMATHESIS), "run", f"{api_url}/openapi.json",
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                    "response_schema_conformance",
        "--header", f"Authorization: Bearer {user.token}",
        "--max-examples", "4",
        "--phases", "examples,coverage,fuzzing",
        "--max-time", "40",
        "--seed", "20261125",
        "--workers", "1",
        "--generation-database", "none",
        "--no-color",
        "--output-truncate", "true",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=tmp_path,  # its report directory, if any, lands here
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )  # fmt: skip
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-6000:]
    assert "API Operations" in text  # it really ran
