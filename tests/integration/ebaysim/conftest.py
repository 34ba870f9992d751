"""Fixtures for talking to the simulator over real HTTP, as any client would."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from sniper.devstack.ebaysim import SimulatorServer
from tests.integration.ebaysim.sim_client import Sim


@pytest_asyncio.fixture(loop_scope="session")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def sim(ebay_sim: SimulatorServer, http: aiohttp.ClientSession) -> Sim:
    return Sim(ebay_sim, http)
