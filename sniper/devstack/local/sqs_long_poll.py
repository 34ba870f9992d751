"""moto's SQS long poll, made to notice a message becoming visible while it waits, as SQS does.

moto's ReceiveMessage with WaitTimeSeconds waits on a condition that only a newly sent message
notifies: a message whose DelaySeconds (or visibility timeout) runs out meanwhile stays unseen
until the wait is over. The executor's wake queue holds nothing but delayed messages, so a
relayed run started up to a whole poll late, and a primary after its standby (a CI run). SQS
answers a long poll as soon as a message is visible; waiting in short slices makes moto look
again that often, inside its own thread, where short polls over HTTP cost the stack's process an
SDK call each (5 a second took 5% of a core, idle).
"""

from __future__ import annotations

from typing import Any

from moto.sqs.models import Queue

# How late a message that becomes visible during a long poll may be handed over.
SLICE_S = 0.05

_INSTALLED = "_sniper_long_poll_slices"


def install() -> None:
    """Process-wide, like moto itself; a second call changes nothing."""
    if getattr(Queue, _INSTALLED, False):
        return

    def wait_for_messages(self: Any, timeout: float) -> None:
        # moto's receive loop scans the queue again after each wait, until its own deadline.
        with self._messages_lock:
            self._messages_lock.wait_for(lambda: self.messages, timeout=min(timeout, SLICE_S))

    setattr(Queue, "wait_for_messages", wait_for_messages)  # noqa: B010 - moto's method
    setattr(Queue, _INSTALLED, True)
