"""Event + user -> the email to send (subject, plain text, HTML). Pure: no I/O, no clock.

Each message is built once as a few blocks (paragraphs, facts, links, a list) and both bodies are
rendered from those blocks, so the text and HTML versions cannot say different things. Every piece
of user or item text is escaped in the HTML body; links are only ever http(s).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec

from sniper.domain.snipe import TERMINAL, FailureReason, SkipReason, SnipeStatus
from sniper.domain.user import NotificationChoices, RenewalReason
from sniper.events import Amount, LinkNeedsRenewal, NotifierEvent, SnipeOutcome

# The outcomes an email exists for: a bid placed, and every end but the user's own cancelling.
OUTCOMES = frozenset({SnipeStatus.PLACED, *TERMINAL} - {SnipeStatus.CANCELLED})


class Message(msgspec.Struct, frozen=True, kw_only=True):
    subject: str
    text_body: str
    html_body: str
    tag: str  # Postmark's Tag: the outcome, for filtering and stats


class AffectedSnipe(msgspec.Struct, frozen=True, kw_only=True):
    """A pending snipe named in a link-renewal email."""

    bid_id: str
    title: str
    auction_end_ms: int
    item_web_url: str | None = None


# ------------------------------------------------------------------ choices


def choice_for(event: NotifierEvent) -> str | None:
    """The NotificationChoices field that governs this event; None for an unknown outcome."""
    match event:
        case LinkNeedsRenewal():
            return "link_renewal"
        case SnipeOutcome(outcome=outcome):
            name = outcome.upper()
            return name.lower() if name in OUTCOMES else None


def wanted(event: NotifierEvent, choices: NotificationChoices) -> bool:
    """Whether the user asked for this email. An outcome we do not know sends nothing."""
    choice = choice_for(event)
    return choice is not None and bool(getattr(choices, choice))


# ------------------------------------------------------------------ reasons in plain words

REASONS: dict[str, str] = {
    SkipReason.PRICE_ABOVE_MAX: "The price had already gone above your maximum bid, so bidding "
    "could not win.",
    SkipReason.AUCTION_ENDED_EARLY: "The auction ended early (the seller ended the listing) "
    "before your bid was due.",
    SkipReason.ENDED_BY_BUY_IT_NOW: "Someone bought the item with Buy It Now, which ended the "
    "auction.",
    SkipReason.GROUP_ALREADY_WON: "You already won as many items from this group as you wanted.",
    SkipReason.GROUP_UNRESOLVED: "Another snipe in the same group had not been settled yet, so "
    "this one held back rather than risk winning too many.",
    SkipReason.EBAY_LINK_BROKEN: "eBay no longer accepts your account link. Link your eBay "
    "account again so your other snipes can bid.",
    FailureReason.EBAY_UNAVAILABLE: "eBay kept failing or not answering until the auction closed.",
    FailureReason.TOKEN_REVOKED: "eBay no longer accepts your account link, so the bid could not "
    "be sent. Link your eBay account again.",
    FailureReason.NOT_LINKED: "Your eBay account was not linked when the bid was due.",
    FailureReason.BID_REJECTED: "eBay refused the bid.",
    FailureReason.EBAY_APP_NOT_APPROVED: "eBay refused the bid because it has not approved this "
    "sniper's application for bidding: eBay's Buy Offer API is a Limited Release API, and using "
    "it with real auctions needs eBay's approval of the application. Your eBay account is fine "
    "and nothing on your side needs changing. If you run this sniper yourself, apply to eBay for "
    "production access to the Buy Offer API (the README's section on getting eBay access says "
    "how); eBay's sandbox works without it. Otherwise, tell whoever runs it.",
    FailureReason.TOO_LATE: "The sniper started too late to place the bid safely before the close.",
    FailureReason.OUTCOME_UNKNOWN: "The bid was placed, but eBay never told us how the auction "
    "ended. Check the item on eBay.",
    FailureReason.INTERNAL: "Something went wrong on our side.",
}


def plain_reason(reason: str | None) -> str | None:
    """A reason code ("PRICE_ABOVE_MAX", or "CODE: detail") in words; other text as it is."""
    if not reason:
        return None
    code, sep, detail = reason.partition(":")
    words = REASONS.get(code.strip())
    if words is None:
        return reason.strip()
    return f"{words} ({detail.strip()})" if sep and detail.strip() else words


# ------------------------------------------------------------------ formatting

_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€"}
_SPACES = re.compile(r"\s+")


def money(amount: Amount) -> str:
    symbol = _SYMBOLS.get(amount.currency)
    return f"{symbol}{amount.value}" if symbol else f"{amount.currency} {amount.value}"


def when(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M} UTC"


def one_line(text: str, limit: int = 120) -> str:
    """Item text fit for a subject line: no line breaks (header safety), bounded length."""
    flat = _SPACES.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _relative_ms(delta_ns: int) -> str:
    ms = round(delta_ns / 1_000_000)
    return f"{ms:,} ms before" if ms >= 0 else f"{-ms:,} ms after"


def timing(event: SnipeOutcome) -> str | None:
    """How far before the close the bid landed, as well as we know it."""
    end_ns = event.auction_end_ms * 1_000_000
    if event.sent_ns is not None and event.answered_ns is not None:
        # The request reached eBay somewhere between sending and the answer: take the middle.
        landed = (event.sent_ns + event.answered_ns) // 2
        round_trip = round((event.answered_ns - event.sent_ns) / 1_000_000)
        return (
            f"landed about {_relative_ms(end_ns - landed)} the close (round trip {round_trip:,} ms)"
        )
    if event.sent_ns is not None:
        return f"sent {_relative_ms(end_ns - event.sent_ns)} the close"
    if event.target_ns is not None:
        return f"aimed to land {_relative_ms(end_ns - event.target_ns)} the close"
    return None


def item_url(event: SnipeOutcome) -> str | None:
    if event.item_web_url:
        return event.item_web_url
    # "v1|<legacy id>|<variation>": eBay's /itm/<legacy id> works on every site.
    parts = event.item_id.split("|")
    legacy = parts[1] if len(parts) >= 2 else event.item_id
    return f"https://www.ebay.com/itm/{legacy}" if legacy.isdigit() else None


def _safe_url(url: str | None) -> str | None:
    # Never put a javascript: (or any non-web) URL into an href.
    return url if url and url.lower().startswith(("https://", "http://")) else None


# ------------------------------------------------------------------ blocks


class _Para(msgspec.Struct, frozen=True):
    text: str


class _Facts(msgspec.Struct, frozen=True):
    rows: tuple[tuple[str, str], ...]


class _Link(msgspec.Struct, frozen=True):
    label: str
    url: str


class _Items(msgspec.Struct, frozen=True):
    entries: tuple[tuple[str, str | None], ...]  # (text, link)


_Block = _Para | _Facts | _Link | _Items


def _text(blocks: Sequence[_Block]) -> str:
    parts: list[str] = []
    for block in blocks:
        match block:
            case _Para(text=text):
                parts.append(text)
            case _Facts(rows=rows):
                width = max(len(label) for label, _ in rows)
                parts.append(
                    "\n".join(f"{label + ':':<{width + 1}} {value}" for label, value in rows)
                )
            case _Link(label=label, url=url):
                parts.append(f"{label}: {url}")
            case _Items(entries=entries):
                parts.append(
                    "\n".join(f"- {text}" + (f"\n  {url}" if url else "") for text, url in entries)
                )
    return "\n\n".join(parts) + "\n"


def _html(subject: str, blocks: Sequence[_Block]) -> str:
    e = html.escape
    parts: list[str] = []
    for block in blocks:
        match block:
            case _Para(text=text):
                parts.append(f"<p>{e(text)}</p>")
            case _Facts(rows=rows):
                cells = "".join(
                    f'<tr><th align="left" style="padding-right:1em">{e(label)}</th>'
                    f"<td>{e(value)}</td></tr>"
                    for label, value in rows
                )
                parts.append(f"<table>{cells}</table>")
            case _Link(label=label, url=url):
                parts.append(f'<p><a href="{e(url)}">{e(label)}</a></p>')
            case _Items(entries=entries):
                items = "".join(
                    f'<li><a href="{e(url)}">{e(text)}</a></li>' if url else f"<li>{e(text)}</li>"
                    for text, url in entries
                )
                parts.append(f"<ul>{items}</ul>")
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{e(subject)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )


def _message(subject: str, tag: str, blocks: Sequence[_Block]) -> Message:
    return Message(
        subject=subject, text_body=_text(blocks), html_body=_html(subject, blocks), tag=tag
    )


# ------------------------------------------------------------------ the messages


def render(
    event: NotifierEvent, *, name: str = "", affected: Sequence[AffectedSnipe] = ()
) -> Message:
    """The email for one event. `name` greets the user; `affected` lists pending snipes."""
    match event:
        case SnipeOutcome():
            return render_outcome(event, name=name)
        case LinkNeedsRenewal():
            return render_renewal(event, name=name, affected=affected)


def _greeting(name: str) -> _Para:
    return _Para(f"Hello {one_line(name, 60)}," if name.strip() else "Hello,")


def render_outcome(event: SnipeOutcome, *, name: str = "") -> Message:
    outcome = event.outcome.upper()
    title = one_line(event.title)
    max_bid = money(event.max_bid)
    price = money(event.final_price) if event.final_price else None
    reason = plain_reason(event.reason)

    if outcome == SnipeStatus.PLACED:
        subject = f"Bid placed: {title}"
        lead = (
            f"Your snipe on “{title}” was placed with eBay, with a maximum bid of {max_bid}. "
            "We will email you the result when the auction closes."
        )
    elif outcome == SnipeStatus.WON:
        subject = f"You won: {title}" + (f" for {price}" if price else "")
        lead = (
            f"You won “{title}”"
            + (f" for {price}" if price else "")
            + (f" (your maximum bid was {max_bid}). eBay will ask you to pay the seller.")
        )
    elif outcome == SnipeStatus.LOST:
        subject = f"Outbid: {title}"
        lead = (
            f"You did not win “{title}”: it sold for {price}, above your maximum bid of {max_bid}."
            if price
            else f"You did not win “{title}”: another bidder's maximum was above yours ({max_bid})."
        )
    elif outcome == SnipeStatus.SKIPPED:
        subject = f"Snipe skipped: {title}"
        lead = f"Your snipe on “{title}” was not placed."
    else:
        subject = f"Snipe failed: {title}"
        lead = f"Your bid on “{title}” could not be placed."

    rows: list[tuple[str, str]] = [("Item", title), ("Your maximum bid", max_bid)]
    if price:
        sold = outcome in (SnipeStatus.WON, SnipeStatus.LOST)
        rows.append(("Final price" if sold else "Price", price))
    explained = reason is not None and outcome in (
        SnipeStatus.SKIPPED,
        SnipeStatus.FAILED,
        SnipeStatus.LOST,
    )
    if reason and not explained:
        rows.append(("Note", reason))
    landed = timing(event)
    if landed:
        rows.append(("Timing", f"Your bid {landed}"))
    rows.append(("Auction close", when(event.auction_end_ms)))

    blocks: list[_Block] = [_greeting(name), _Para(lead)]
    if reason and explained:
        blocks.append(_Para(reason))
    blocks.append(_Facts(tuple(rows)))
    url = _safe_url(item_url(event))
    if url:
        blocks.append(_Link("See the item on eBay", url))
    return _message(subject, outcome.lower(), blocks)


def _pending_sentence(count: int) -> str:
    if count == 1:
        return "1 scheduled snipe will fail unless you link again before it fires"
    return f"{count} scheduled snipes will fail unless you link again before they fire"


def render_renewal(
    event: LinkNeedsRenewal, *, name: str = "", affected: Sequence[AffectedSnipe] = ()
) -> Message:
    username = one_line(event.ebay_username, 60) or "your eBay account"
    blocks: list[_Block] = [_greeting(name)]
    if event.reason == RenewalReason.BROKEN:
        subject = "Your eBay link stopped working: link your account again"
        blocks.append(
            _Para(
                f"eBay no longer accepts the sniper's permission to bid as {username} "
                "(it was revoked on eBay, or it expired). Until you link your eBay account "
                "again, the sniper cannot bid for you."
            )
        )
    else:
        ends = when(event.refresh_expires_ms) if event.refresh_expires_ms else None
        subject = "Link your eBay account again" + (f" before {ends}" if ends else " soon")
        blocks.append(
            _Para(
                f"eBay's permission for the sniper to bid as {username} runs out"
                + (f" on {ends}" if ends else " soon")
                + ". Link your eBay account again before then, or your snipes will fail."
            )
        )
    if affected:
        blocks.append(_Para(_pending_sentence(len(affected)) + ":"))
        blocks.append(
            _Items(
                tuple(
                    (
                        f"{one_line(s.title)} (closes {when(s.auction_end_ms)})",
                        _safe_url(s.item_web_url),
                    )
                    for s in affected
                )
            )
        )
    elif event.affected_bid_ids:
        blocks.append(_Para(_pending_sentence(len(event.affected_bid_ids)) + "."))
    blocks.append(_Para("Open the sniper and choose “Link eBay account” to renew it."))
    tag = f"link-{event.reason}" if event.reason in RenewalReason else "link-renewal"
    return _message(subject, tag, blocks)
