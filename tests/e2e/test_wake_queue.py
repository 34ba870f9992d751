"""The executor does not wait in Lambda for the scheduler's early wake: through the whole local
stack, the invocations that wake it early (here bid management's, the snipe being inside the
schedule lead) relay themselves through the wake queue and end at once; the queue's event
source runs the executor again a quarter of a minute before the instant, primary first, then
the standby, and the snipe lands as it would have."""

from __future__ import annotations

import pytest

from sniper.devstack.local.stack import LocalStack
from sniper.domain import instants
from tests.fixtures.stack import ApiUserFactory, sim_call
from tests.support.trust import observe, set_snipe

CLOSES_IN_S = 35.0
OFFSET_S = 3.0
NS_PER_S = 1_000_000_000


@pytest.mark.slow
async def test_early_invocations_relay_and_the_wake_queue_runs_the_snipe_on_time(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    functions, sources = clean_stack.functions, clean_stack.event_sources
    assert functions is not None and sources is not None
    user = await api_user(name="Relayed")
    lot = await set_snipe(
        clean_stack, user, "A relayed lot", closes_in_s=CLOSES_IN_S, offset_s=OFFSET_S
    )
    seen = await observe(clean_stack, lot, within_s=CLOSES_IN_S + 60)
    assert seen.landed and seen.outcome_true and seen.status == "WON", seen
    close_ns = (await sim_call(clean_stack, "GET", f"/sim/auctions/{lot.item_id}"))["endNs"]

    # The early invocations (primary and standby, dispatched by bid management) relayed: each
    # ended within seconds, long before the close, instead of waiting for it.
    early = functions.async_events.matching(
        lambda e: e.function == "BidExecutorFunction" and e.bid_id == lot.bid_id
    )
    assert sorted(e.payload["role"] for e in early) == ["primary", "standby"]
    for event in early:
        [attempt] = event.attempts
        assert attempt.failure is None and attempt.ended_ns - attempt.started_ns < 3 * NS_PER_S
        assert attempt.ended_ns < close_ns - 20 * NS_PER_S
    # The wake queue ran both at their wake instants, primary first: SQS keeps delays to the
    # whole second (relays round down, so each runs up to a second early, never late).
    # A delivery is recorded when its invocation ends: the standby's watches past the close.
    deliveries = await sources.deliveries.wait_for(
        lambda d: d.body["bidId"] == lot.bid_id, count=2, timeout_s=60
    )
    woken = {d.body["role"]: d for d in deliveries}
    target = close_ns - round(OFFSET_S * NS_PER_S)
    for role, delivery in woken.items():
        wake = instants.run_wake_ns(target, standby=role == "standby")
        assert delivery.succeeded
        assert -2 * NS_PER_S < delivery.started_ns - wake < 2 * NS_PER_S, (role, delivery)
    assert sorted(woken) == ["primary", "standby"]
    assert woken["primary"].started_ns < woken["standby"].started_ns
