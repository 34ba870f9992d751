"""The unit suite runs the services in a World of fakes (tests/fakes): nothing here opens a
socket or waits."""

from __future__ import annotations

import pytest

from tests.fakes.world import World


@pytest.fixture
def world() -> World:
    return World()
