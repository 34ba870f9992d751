"""The eBay simulator: eBay's OAuth, Browse, Offer, Trading and notification contracts on localhost,
with a real auction engine underneath, fault injection and a nanosecond record of every bid."""

from sniper.ebaysim.clock import Clock, SystemClock
from sniper.ebaysim.config import SimConfig
from sniper.ebaysim.server import Exchange, SimulatorServer
from sniper.ebaysim.state import SimState

__all__ = ["Clock", "Exchange", "SimConfig", "SimState", "SimulatorServer", "SystemClock"]
