"""The emails, rendered without I/O: every outcome and renewal reason, escaping, the user's choices."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sniper.domain.user import NotificationChoices
from sniper.events import Amount, LinkNeedsRenewal, SnipeOutcome
from sniper.notifications.messages import (
    OUTCOMES,
    AffectedSnipe,
    choice_for,
    plain_reason,
    render,
    timing,
    wanted,
)

END_MS = int(datetime(2030, 3, 14, 18, 30, tzinfo=UTC).timestamp() * 1000)
END_NS = END_MS * 1_000_000


def outcome(kind: str, **overrides: object) -> SnipeOutcome:
    fields: dict[str, object] = {
        "user_id": "u-1",
        "bid_id": "b-1",
        "outcome": kind,
        "item_id": "v1|110012345678|0",
        "title": "Leica M3 body",
        "max_bid": Amount("250.00", "USD"),
        "auction_end_ms": END_MS,
        "item_web_url": "https://www.ebay.com/itm/110012345678",
    }
    fields.update(overrides)
    return SnipeOutcome(**fields)  # type: ignore[arg-type]


def renewal(reason: str, **overrides: object) -> LinkNeedsRenewal:
    fields: dict[str, object] = {"user_id": "u-1", "ebay_username": "camera_fan", "reason": reason}
    fields.update(overrides)
    return LinkNeedsRenewal(**fields)  # type: ignore[arg-type]


# ------------------------------------------------------------------ each outcome


def test_won_names_item_price_max_and_timing() -> None:
    event = outcome(
        "WON",
        final_price=Amount("212.50", "USD"),
        sent_ns=END_NS - 2_600_000_000,
        answered_ns=END_NS - 2_200_000_000,
    )
    message = render(event, name="Ada")
    assert message.subject == "You won: Leica M3 body for $212.50"
    assert message.tag == "won"
    for body in (message.text_body, message.html_body):
        assert "Leica M3 body" in body
        assert "$212.50" in body
        assert "$250.00" in body
        # The bid reached eBay between 2,600 and 2,200 ms before the close: about 2,400 ms.
        assert "about 2,400 ms before the close" in body
        assert "round trip 400 ms" in body
        assert "https://www.ebay.com/itm/110012345678" in body
        assert "Thu 14 Mar 2030, 18:30 UTC" in body
    assert message.text_body.startswith("Hello Ada,")


def test_lost_says_what_it_sold_for() -> None:
    event = outcome("LOST", final_price=Amount("301.00", "USD"), sent_ns=END_NS - 1_000_000_000)
    message = render(event)
    assert message.subject == "Outbid: Leica M3 body"
    assert message.tag == "lost"
    assert "it sold for $301.00, above your maximum bid of $250.00" in message.text_body
    assert "sent 1,000 ms before the close" in message.text_body


def test_lost_without_a_price_still_explains() -> None:
    message = render(outcome("LOST"))
    assert "another bidder's maximum was above yours ($250.00)" in message.text_body


def test_placed_promises_the_result() -> None:
    message = render(outcome("PLACED", target_ns=END_NS - 3_000_000_000))
    assert message.subject == "Bid placed: Leica M3 body"
    assert message.tag == "placed"
    assert "maximum bid of $250.00" in message.text_body
    assert "aimed to land 3,000 ms before the close" in message.text_body


@pytest.mark.parametrize(
    ("kind", "reason", "words"),
    [
        ("SKIPPED", "PRICE_ABOVE_MAX", "already gone above your maximum bid"),
        ("SKIPPED", "ENDED_BY_BUY_IT_NOW", "Buy It Now"),
        ("SKIPPED", "GROUP_ALREADY_WON", "as many items from this group"),
        ("FAILED", "TOKEN_REVOKED", "Link your eBay account again"),
        ("FAILED", "EBAY_UNAVAILABLE", "eBay kept failing"),
        ("FAILED", "TOO_LATE", "too late"),
    ],
)
def test_skipped_and_failed_give_the_reason_in_words(kind: str, reason: str, words: str) -> None:
    message = render(outcome(kind, reason=reason, final_price=Amount("260.00", "USD")))
    assert message.tag == kind.lower()
    assert message.subject == f"Snipe {kind.lower()}: Leica M3 body"
    assert message.text_body.count(words) == 1  # said once, in the lead
    assert reason not in message.text_body  # the code itself is not what the user reads
    assert "$260.00" in message.text_body
    assert html.escape(words) in message.html_body


def test_reason_detail_and_free_text_are_kept() -> None:
    assert plain_reason("BID_REJECTED: the seller blocked you") == (
        "eBay refused the bid. (the seller blocked you)"
    )
    assert plain_reason("eBay said no") == "eBay said no"
    assert plain_reason(None) is None


def test_other_currencies_show_their_code() -> None:
    message = render(outcome("WON", max_bid=Amount("900", "JPY"), final_price=Amount("850", "JPY")))
    assert "JPY 850" in message.subject
    assert "JPY 900" in message.text_body


def test_item_link_falls_back_to_the_legacy_id() -> None:
    message = render(outcome("WON", item_web_url=None))
    assert "https://www.ebay.com/itm/110012345678" in message.text_body


def test_timing_after_the_close_says_after() -> None:
    event = outcome("LOST", sent_ns=END_NS + 150_000_000)
    assert timing(event) == "sent 150 ms after the close"
    assert timing(outcome("WON")) is None


# ------------------------------------------------------------------ escaping


def test_item_and_user_text_is_escaped_in_html() -> None:
    event = outcome(
        "WON",
        title='<script>alert("x")</script> & "mint"',
        final_price=Amount("1.00", "USD"),
        item_web_url='https://ebay.example/?a=1&b="><img src=x>',
    )
    message = render(event, name="<b>Eve</b>")
    assert "<script>" not in message.html_body
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;mint&quot;"
        in message.html_body
    )
    assert "<b>Eve</b>" not in message.html_body and "&lt;b&gt;Eve&lt;/b&gt;" in message.html_body
    assert '"><img' not in message.html_body
    assert 'href="https://ebay.example/?a=1&amp;b=&quot;&gt;&lt;img src=x&gt;"' in message.html_body
    # The plain-text body is not HTML: it keeps the text as it is.
    assert '<script>alert("x")</script>' in message.text_body


def test_non_web_links_are_dropped() -> None:
    message = render(outcome("WON", item_web_url="javascript:alert(1)", item_id="not-an-id"))
    assert "javascript:" not in message.html_body
    assert "href=" not in message.html_body


def test_subject_has_no_line_breaks() -> None:
    message = render(outcome("WON", title="Line one\r\nBcc: victim@example.com"))
    assert "\n" not in message.subject and "\r" not in message.subject


@settings(max_examples=60, deadline=None)
@given(title=st.text(min_size=1, max_size=80), name=st.text(max_size=30))
def test_no_raw_markup_from_any_text(title: str, name: str) -> None:
    message = render(outcome("WON", title=title, final_price=Amount("3.00", "USD")), name=name)
    body = message.html_body
    start = body.index("<body>")
    # Every "<" inside the body opens one of our own tags.
    tags = {"p", "/p", "table", "/table", "tr", "/tr", "th", "/th", "td", "/td", "a", "/a"}
    for piece in body[start + len("<body>") :].split("<")[1:]:
        tag = piece.split(">", 1)[0].split(" ", 1)[0]
        assert tag in tags | {"/body", "/html", "ul", "/ul", "li", "/li"}, piece[:40]


# ------------------------------------------------------------------ link renewal


def test_expiring_link_names_the_date() -> None:
    ends = END_MS + 5 * 86_400_000
    message = render(renewal("expiring", refresh_expires_ms=ends), name="Ada")
    assert message.tag == "link-expiring"
    assert message.subject == "Link your eBay account again before Tue 19 Mar 2030, 18:30 UTC"
    assert "camera_fan" in message.text_body
    assert "runs out on Tue 19 Mar 2030, 18:30 UTC" in message.text_body


def test_broken_link_lists_the_pending_snipes() -> None:
    affected = [
        AffectedSnipe(bid_id="b-1", title="Leica <M3>", auction_end_ms=END_MS,
                      item_web_url="https://www.ebay.com/itm/1"),
        AffectedSnipe(bid_id="b-2", title="Summicron 50", auction_end_ms=END_MS + 3_600_000),
    ]  # fmt: skip
    message = render(renewal("broken", affected_bid_ids=("b-1", "b-2")), affected=affected)
    assert message.tag == "link-broken"
    assert "stopped working" in message.subject
    assert "revoked" in message.text_body
    assert "2 scheduled snipes will fail" in message.text_body
    assert "- Leica <M3> (closes Thu 14 Mar 2030, 18:30 UTC)" in message.text_body
    assert "Summicron 50 (closes Thu 14 Mar 2030, 19:30 UTC)" in message.text_body
    assert '<li><a href="https://www.ebay.com/itm/1">Leica &lt;M3&gt;' in message.html_body


def test_broken_link_without_details_still_counts_them() -> None:
    message = render(renewal("broken", affected_bid_ids=("b-1",)))
    assert "1 scheduled snipe will fail" in message.text_body


# ------------------------------------------------------------------ choices


@pytest.mark.parametrize("kind", sorted(OUTCOMES))
def test_each_outcome_follows_its_own_choice(kind: str) -> None:
    event = outcome(kind)
    field = kind.lower()
    assert choice_for(event) == field
    assert wanted(event, NotificationChoices(**{field: True}))  # type: ignore[arg-type]
    assert not wanted(event, NotificationChoices(**{field: False}))  # type: ignore[arg-type]
    # Turning every other choice off does not silence this one.
    others = {name: False for name in ("placed", "won", "lost", "skipped", "failed", "link_renewal")
              if name != field}  # fmt: skip
    assert wanted(event, NotificationChoices(**{field: True}, **others))  # type: ignore[arg-type]


def test_renewal_follows_link_renewal_choice() -> None:
    assert wanted(renewal("broken"), NotificationChoices())
    assert not wanted(renewal("expiring"), NotificationChoices(link_renewal=False))


def test_defaults_skip_placed_and_unknown_outcomes_send_nothing() -> None:
    assert not wanted(outcome("PLACED"), NotificationChoices())
    assert wanted(outcome("WON"), NotificationChoices())
    assert choice_for(outcome("CANCELLED")) is None
    assert not wanted(outcome("CANCELLED"), NotificationChoices(placed=True))
