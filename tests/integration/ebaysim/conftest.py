"""Fixtures for talking to the simulator over real HTTP, as any client would."""

from __future__ import annotations

import aiohttp
import pytest

from sniper.devstack.ebaysim import SimulatorServer
from tests.integration.ebaysim.sim_client import Sim


@pytest.fixture
def sim(ebay_sim: SimulatorServer, http: aiohttp.ClientSession) -> Sim:
    return Sim(ebay_sim, http)
