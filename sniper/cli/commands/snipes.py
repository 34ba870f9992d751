"""`add`, `ls`, `show`, `edit`, `cancel`: your snipes."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from urllib.parse import quote

from rich.console import Group
from rich.table import Table

from sniper.cli.api import Api, ApiError
from sniper.cli.context import Context
from sniper.cli.errors import DONE, FAILED, CliError, UsageError
from sniper.cli.inputs import ItemChoice
from sniper.cli.render import bids_table, local_time, money, relative, status, timeline_table
from sniper.cli.timing import instant, landed_before_close, marks, seconds, t_minus
from sniper.domain.snipe import TERMINAL

POLL_SECONDS = 1.0


def _bid_path(bid_id: str) -> str:
    return f"/bids/{quote(bid_id.strip(), safe='')}"


# ---------------------------------------------------------------- add


def run_add(ctx: Context) -> int:
    args = ctx.args
    api = ctx.access.api()
    choice: ItemChoice = args.item
    item = _look_up(api, choice.rest_id)
    currency = args.currency or _listing_currency(item)
    if currency is None:
        raise UsageError(
            f"Which currency is {args.max} in? The listing does not say.",
            hint="Pass --currency (e.g. --currency GBP).",
        )
    body: dict[str, Any] = {
        "itemId": choice.sent,
        "maxBid": {"value": args.max, "currency": currency},
    }
    if args.offset is not None:
        body["offsetSeconds"] = args.offset
    if args.group is not None:
        body["group"] = {"groupId": args.group[0], "maxWins": args.group[1]}
    try:
        bid = _create(api, body)
    except ApiError as refused:
        raise _explained(refused) from None
    ctx.output.result(_bid_summary(bid, headline="Snipe set"), bid)
    return DONE


def _create(api: Api, body: dict[str, Any]) -> Any:
    # One key per snipe asked for; the client's own retries of this request send it again.
    return api.call("POST", "/bids", body=body, idempotency_key=str(uuid.uuid4()))


def _look_up(api: Api, rest_id: str) -> dict[str, Any]:
    """The listing, for its currency and title."""
    try:
        item: dict[str, Any] = api.get(f"/wishlist/items/{quote(rest_id, safe='')}")
    except ApiError as refused:
        raise _explained(refused) from None
    return item


def _listing_currency(item: dict[str, Any]) -> str | None:
    for name in ("currentBidPrice", "nextMinimumBid", "buyItNowPrice"):
        price = item.get(name)
        if price and price.get("currency"):
            return str(price["currency"])
    return None


def _explained(refused: ApiError) -> ApiError:
    """The API's refusal, with what to do where the CLI knows better."""
    existing = _existing_bid(refused) if refused.code == "already_sniped" else None
    if existing:
        refused.hint = (
            f"You already snipe this item: see `sniper show {existing}`, change it with "
            f"`sniper edit {existing} --max ...`."
        )
    elif refused.code in ("ebay_link_required", "ebay_link_broken"):
        refused.hint = "Link your eBay account with `sniper link-ebay`."
    return refused


def _existing_bid(refused: ApiError) -> str | None:
    """The live snipe a 409 names: in the body (bidId), or else in its message."""
    named = refused.body.get("bidId")
    if named:
        return str(named)
    match = re.search(r"\(([0-9A-Z]{26})\)", refused.message)
    return match[1] if match else None


def _bid_summary(bid: dict[str, Any], *, headline: str) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row(headline, f"{bid['bidId']}: {bid.get('title', '')}")
    grid.add_row("item", f"{bid.get('legacyItemId', '')} ({bid.get('marketplaceId', '')})")
    grid.add_row("max bid", money(bid.get("maxBid")))
    end = bid.get("auctionEnd")
    grid.add_row("closes", f"{local_time(end)} ({relative(end)})")
    grid.add_row(
        "bids",
        f"{t_minus(float(bid.get('offsetSeconds', 0)))} (reaching eBay "
        f"{float(bid.get('offsetSeconds', 0)):g} s before the close)",
    )
    if bid.get("group"):
        group = bid["group"]
        grid.add_row("group", f"{group['groupId']} (wants {group['maxWins']} win(s))")
    grid.add_row("status", status(bid["status"], bid.get("reason")))
    return grid


# ---------------------------------------------------------------- ls


def run_ls(ctx: Context) -> int:
    api = ctx.access.api()
    bids = list(api.pages("/bids", {"status": ctx.args.status}))
    ctx.output.result(bids_table(bids) if bids else "No snipes.", {"items": bids})
    return DONE


# ---------------------------------------------------------------- show


def run_show(ctx: Context) -> int:
    api = ctx.access.api()
    bid = api.get(_bid_path(ctx.args.bid_id))
    if ctx.args.wait and bid["status"] not in TERMINAL:
        bid = _wait_until_settled(ctx, api, bid)
    history = _history(api, bid, patient=ctx.args.wait)
    timing = (history or {}).get("timing")
    timeline = marks(timing) if timing else []
    lead = landed_before_close(timing) if timing else None
    parts: list[Any] = [_bid_summary(bid, headline="Snipe")]
    if history:
        parts += ["", _outcome(history, lead)]
    if timeline:
        parts += ["", timeline_table(timeline)]
    data = {
        "bid": bid,
        "history": history,
        "timeline": [
            {"event": m.label, "at": m.at.isoformat().replace("+00:00", "Z"),
             "secondsBeforeClose": round(m.before_close, 6), "note": m.note}
            for m in timeline
        ],
        "landedSecondsBeforeClose": lead,
    }  # fmt: skip
    ctx.output.result(Group(*parts), data)
    return FAILED if bid["status"] == "FAILED" else DONE


def _wait_until_settled(ctx: Context, api: Api, bid: dict[str, Any]) -> dict[str, Any]:
    """Follow the snipe through the API until it settles (Ctrl-C stops waiting, not the snipe):
    a spinner in a terminal, else a line on stderr per change of state."""
    err = ctx.output.err
    if not err.is_terminal:
        ctx.output.note(_waiting(bid))
        while bid["status"] not in TERMINAL:
            time.sleep(POLL_SECONDS)
            previous, bid = bid["status"], api.get(_bid_path(bid["bidId"]))
            if bid["status"] != previous:
                ctx.output.note(_waiting(bid))
        return bid
    with err.status(_waiting(bid)) as shown:
        while bid["status"] not in TERMINAL:
            time.sleep(POLL_SECONDS)
            bid = api.get(_bid_path(bid["bidId"]))
            shown.update(_waiting(bid))
    return bid


def _waiting(bid: dict[str, Any]) -> str:
    end = bid.get("auctionEnd")
    return f"{bid['status'].lower()}: {bid.get('title', '')}, closes {relative(end)}"


def _history(api: Api, bid: dict[str, Any], *, patient: bool) -> dict[str, Any] | None:
    if bid["status"] not in TERMINAL:
        return None
    # The history entry is written with the final state; allow a moment when we just saw it.
    tries = 5 if patient else 1
    for attempt in range(tries):
        try:
            entry: dict[str, Any] = api.get(f"/bid-history/{quote(bid['bidId'], safe='')}")
            return entry
        except ApiError as missing:
            if missing.status != 404:
                raise
            if attempt + 1 < tries:
                time.sleep(POLL_SECONDS)
    return None


def _outcome(history: dict[str, Any], lead: float | None) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("outcome", status(history["outcome"], history.get("reason")))
    if history.get("finalPrice"):
        grid.add_row("final price", money(history["finalPrice"]))
    grid.add_row("settled", local_time(history.get("settledAt")))
    timing = history.get("timing") or {}
    if lead is not None:
        aimed = seconds(instant(timing["auctionEnd"]) - instant(timing["target"]))
        error_ms = (aimed - lead) * 1000
        late_or_early = "late" if error_ms > 0 else "early"
        grid.add_row(
            "landed",
            f"{lead:.3f} s before the close (aimed at {aimed:.3f} s: "
            f"{abs(error_ms):.1f} ms {late_or_early})",
        )
    if timing:
        latency = timing.get("estimatedLatencyMs")
        trip = timing.get("roundTripMs")
        grid.add_row(
            "latency",
            f"estimated one-way {_ms(latency)}, round trip {_ms(trip)}, "
            f"attempts {timing.get('attempts', 0)}",
        )
    return grid


def _ms(value: Any) -> str:
    return f"{float(value):.1f} ms" if value is not None else "—"


# ---------------------------------------------------------------- edit, cancel


def run_edit(ctx: Context) -> int:
    args = ctx.args
    if args.max is None and args.offset is None:
        raise UsageError("Say what to change: --max AMOUNT and/or --offset SECONDS.")
    api = ctx.access.api()
    body: dict[str, Any] = {}
    if args.max is not None:
        currency = args.currency or api.get(_bid_path(args.bid_id))["maxBid"]["currency"]
        body["maxBid"] = {"value": args.max, "currency": currency}
    if args.offset is not None:
        body["offsetSeconds"] = args.offset
    try:
        bid = api.call("PUT", _bid_path(args.bid_id), body=body)
    except ApiError as refused:
        raise _explained(refused) from None
    ctx.output.result(_bid_summary(bid, headline="Snipe changed"), bid)
    return DONE


def run_cancel(ctx: Context) -> int:
    api = ctx.access.api()
    bid = api.call("DELETE", _bid_path(ctx.args.bid_id))
    if bid["status"] != "CANCELLED":
        raise CliError(f"Snipe {bid['bidId']} is {bid['status']}, not cancelled.")
    ctx.output.result(f"Cancelled snipe {bid['bidId']}: {bid.get('title', '')}.", bid)
    return DONE
