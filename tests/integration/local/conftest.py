"""Fixtures shared by the local stack's integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sniper.devstack.local.aws import LocalAws
from tests.integration.local.recording_functions import RecordingFunctions


@pytest.fixture
async def recording_functions(local_aws: LocalAws) -> AsyncIterator[RecordingFunctions]:
    """Lambda's Invoke API on a real port, recording each event instead of running it."""
    async with RecordingFunctions(local_aws) as runtime:
        yield runtime
