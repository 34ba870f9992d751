"""The eBay simulator: eBay's OAuth, Browse, Offer, Trading and notification contracts on localhost,
with a real auction engine underneath, fault injection and a nanosecond record of every bid."""

from sniper.clock import SystemClock
from sniper.clock import WallClock as Clock
from sniper.devstack.ebaysim.config import SimConfig
from sniper.devstack.ebaysim.server import Exchange, SimulatorServer
from sniper.devstack.ebaysim.state import SimState

__all__ = ["Clock", "Exchange", "SimConfig", "SimState", "SimulatorServer", "SystemClock"]
