"""BidExecutorFunction: EventBridge Scheduler's SnipeDue -> claim, fire, settle (the lean path)."""

from sniper.executor.app import build
from sniper.runtime import Entrypoint

handler = Entrypoint(build)
