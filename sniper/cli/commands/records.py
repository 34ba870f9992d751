"""`watchlist`, `history`, `stats`: what you watch on eBay and how your snipes went."""

from __future__ import annotations

from sniper.cli.context import Context
from sniper.cli.errors import DONE
from sniper.cli.render import history_table, stats_table, watchlist_table
from sniper.cli.timing import stats


def run_watchlist(ctx: Context) -> int:
    api = ctx.access.api()
    query = {"marketplaceId": ctx.args.marketplace}
    items = list(api.pages("/wishlist/items", query, limit=ctx.args.limit))
    ctx.output.result(
        watchlist_table(items) if items else "Your eBay watch list is empty.", {"items": items}
    )
    return DONE


def run_history(ctx: Context) -> int:
    api = ctx.access.api()
    query = {"outcome": ctx.args.outcome, "from": ctx.args.since, "to": ctx.args.until}
    entries = list(api.pages("/bid-history", query, limit=ctx.args.limit))
    ctx.output.result(
        history_table(entries) if entries else "No settled snipes yet.", {"items": entries}
    )
    return DONE


def run_stats(ctx: Context) -> int:
    api = ctx.access.api()
    entries = list(api.pages("/bid-history", {"from": ctx.args.since}))
    figures = stats(entries)
    ctx.output.result(stats_table(figures, since=ctx.args.since), figures.as_json())
    return DONE
