"""The events between functions are contracts: their wire shapes, held here, change only on
purpose (a schedule made today is delivered by the executor deployed next week)."""

from __future__ import annotations

import msgspec

from sniper.events import Amount, LinkNeedsRenewal, SnipeDue, SnipeOutcome, encode, from_mapping


def test_a_snipe_due_as_the_scheduler_delivers_it() -> None:
    # The schedule's Input with the scheduler's context attributes filled in (all strings).
    delivered = {
        "type": "snipe.due", "userId": "u1", "bidId": "b1", "role": "standby",
        "executionId": "e-1", "scheduledTime": "2026-11-29T14:00:00Z", "attemptNumber": "1",
    }  # fmt: skip
    due = from_mapping(delivered, SnipeDue)
    assert (due.user_id, due.bid_id, due.role, due.attempt_number) == ("u1", "b1", "standby", 1)


def test_a_snipe_due_from_before_roles_is_a_primary() -> None:
    due = from_mapping({"type": "snipe.due", "userId": "u1", "bidId": "b1"}, SnipeDue)
    assert due.role == "primary" and due.execution_id == ""


def test_the_wire_shape_of_each_event() -> None:
    assert msgspec.json.decode(encode(SnipeDue(user_id="u", bid_id="b"))) == {
        "type": "snipe.due", "userId": "u", "bidId": "b", "role": "primary",
        "executionId": "", "scheduledTime": "", "attemptNumber": 0,
    }  # fmt: skip
    outcome = SnipeOutcome(
        user_id="u", bid_id="b", outcome="WON", item_id="v1|1|0", title="t",
        max_bid=Amount("25.00", "USD"), auction_end_ms=1, final_price=Amount("15.50", "USD"),
    )  # fmt: skip
    wire = msgspec.json.decode(encode(outcome))
    assert wire["type"] == "snipe.outcome" and wire["maxBid"] == {
        "value": "25.00",
        "currency": "USD",
    }
    assert wire["finalPrice"] == {"value": "15.50", "currency": "USD"}  # money is a string
    renewal = msgspec.json.decode(
        encode(LinkNeedsRenewal(user_id="u", ebay_username="e", reason="broken"))
    )
    assert renewal["type"] == "link.renewal" and renewal["affectedBidIds"] == []
