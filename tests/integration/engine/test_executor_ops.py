"""What an operator sees of a snipe: an application eBay has not approved for bidding, and the
metric lines (CloudWatch EMF) a settled snipe prints, against the simulator in real time."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from sniper.domain.snipe import FailureReason, SnipeStatus
from sniper.events import SnipeDue, SnipeOutcome, from_mapping
from sniper.executor.engine import Result
from sniper.metrics import DEFAULT_NAMESPACE, DEFAULT_SERVICE
from sniper.notifications.messages import render
from tests.integration.engine.conftest import World, context

RELINK_ADVICE = re.compile(r"link (it |your (ebay )?account )?again|re-?link|reconnect", re.I)
NS_PER_MS = 1_000_000


def _emf_lines(printed: str) -> list[dict[str, Any]]:
    """Every EMF document printed (one JSON object a line, with the _aws metadata)."""
    found = []
    for line in printed.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            found.append(json.loads(line))
    return found


async def test_an_unapproved_application_fails_the_snipe_once_and_says_what_to_do(
    world: World, make_executor: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    user_id = await world.linked_user("sniper_waiting")
    await world.sim.call("PUT", "/sim/bidding-approval", {"approved": False})
    auction = await world.sim.auction(4.0)
    snipe = await world.snipe(user_id, auction, offset=1.5)

    executor = await make_executor()
    due = SnipeDue(user_id=snipe.user_id, bid_id=snipe.bid_id)
    assert await executor.run(due, context(world.aws)) == Result.DONE

    failed = await world.settled(snipe)
    assert (failed.status, failed.reason) == (
        SnipeStatus.FAILED,
        FailureReason.EBAY_APP_NOT_APPROVED,
    )
    entry = await world.history.get(snipe.user_id, snipe.bid_id)
    assert (entry.outcome, entry.reason) == (SnipeStatus.FAILED, "EBAY_APP_NOT_APPROVED")
    # The bid was tried once, refused by eBay's gateway, never retried or refreshed around.
    bids = await world.sim.bids(auction["itemId"], "sniper_waiting")
    assert [(b["status"], b["errorId"]) for b in bids] == [(403, 1100)]
    # One notice, for the outcome; no "link again" notice, and the link is not marked broken.
    events = world.functions.events_for("NotificationHandlerFunction")
    assert [(e["type"], e.get("outcome")) for e in events] == [("snipe.outcome", "FAILED")]
    user = await world.users.require(user_id)
    assert user.ebay_link is not None and not user.ebay_link.broken
    # What the email says: apply for production access, the sandbox works, no re-linking.
    email = render(from_mapping(events[0], SnipeOutcome), name="Ada")
    for body in (email.text_body, email.html_body):
        assert "production access" in body and "sandbox" in body
        assert not RELINK_ADVICE.search(body), body
    # An operator counts it as lost: the SnipesLost alarm fires on it.
    [line] = _emf_lines(capsys.readouterr().out)
    assert line["SnipesFailed"] == [1.0] and line["SnipesLost"] == [1.0]
    assert line["reason"] == "EBAY_APP_NOT_APPROVED"


async def test_a_settled_snipe_prints_one_emf_line_that_matches_its_timing_report(
    world: World, make_executor: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    user_id = await world.linked_user("sniper_metrics")
    auction = await world.sim.auction(4.0)
    await world.sim.rival(auction["itemId"], "rival_low", "20.00")
    snipe = await world.snipe(user_id, auction, offset=1.5)
    capsys.readouterr()  # only what the executor prints from here on

    executor = await make_executor()
    due = SnipeDue(user_id=snipe.user_id, bid_id=snipe.bid_id)
    assert await executor.run(due, context(world.aws)) == Result.DONE
    entry = await world.history.get(snipe.user_id, snipe.bid_id)
    assert entry.outcome == SnipeStatus.WON and entry.timing is not None
    timing = entry.timing
    assert timing.sent_ns is not None and timing.answered_ns is not None

    [line] = _emf_lines(capsys.readouterr().out)
    # The EMF envelope: namespace, one dimension set, and each metric declared with its unit.
    aws = line["_aws"]
    assert isinstance(aws["Timestamp"], int)
    assert abs(aws["Timestamp"] - entry.settled_ms) < 60_000
    [directive] = aws["CloudWatchMetrics"]
    # The template's namespace, as the local stack hands it to the function.
    assert (
        directive["Namespace"]
        == world.functions.environment("BidExecutorFunction")["POWERTOOLS_METRICS_NAMESPACE"]
    )
    assert directive["Namespace"] != DEFAULT_NAMESPACE  # a namespace of this stack's own
    assert directive["Dimensions"] == [["service"]]
    assert line["service"] == DEFAULT_SERVICE
    units = {metric["Name"]: metric["Unit"] for metric in directive["Metrics"]}
    assert units == {
        "SnipesWon": "Count",
        "BidAttempts": "Count",
        "LandedBeforeClose": "Milliseconds",
        "FiringError": "Milliseconds",
    }
    # The values are the timing report's, in milliseconds.
    landed = (timing.sent_ns + timing.answered_ns) // 2
    assert line["LandedBeforeClose"] == [(timing.auction_end_ns - landed) / NS_PER_MS]
    assert line["FiringError"] == [(landed - timing.target_ns) / NS_PER_MS]
    assert line["BidAttempts"] == [float(timing.attempts)] == [1.0]
    assert line["SnipesWon"] == [1.0]
    # It landed about 1.5 s before the close, within loopback's precision of its aim.
    assert 1400 < line["LandedBeforeClose"][0] < 1600
    assert abs(line["FiringError"][0]) < 50
    assert (line["bidId"], line["outcome"], line["reason"]) == (snipe.bid_id, "WON", "")
