"""Shared pieces of the deployment checks: the template, the SAM CLI if there is one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sniper.devstack.local.template import Template

ROOT = Path(__file__).resolve().parents[2]
# `make sam-build` installs SAM CLI into its own venv here when none is on PATH.
SAM_CLI_VENV = ROOT / ".venv" / "sam-cli" / "bin" / "sam"


def sam_cli() -> str | None:
    found = shutil.which("sam")
    if found:
        return found
    return str(SAM_CLI_VENV) if SAM_CLI_VENV.exists() else None


def sam_environment() -> dict[str, str]:
    # No telemetry calls from a test run.
    return {**os.environ, "SAM_CLI_TELEMETRY": "0"}


requires_sam = pytest.mark.skipif(
    sam_cli() is None,
    reason="SAM CLI is not installed (it conflicts with aioboto3's botocore pin, so it is not in "
    ".venv); `make sam-validate` / `make sam-build` install it into .venv/sam-cli",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sam_build: runs `sam build` (needs SAM CLI and the package index)"
    )


@pytest.fixture(scope="session")
def template() -> Template:
    return Template.load()
