"""`watchlist`, `history`, `stats`: what you watch on eBay and how your snipes went."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table

from sniper.cli.context import Context
from sniper.cli.errors import DONE
from sniper.cli.render import history_table, stats_table, watchlist_table
from sniper.cli.timing import stats


def run_watchlist(ctx: Context) -> int:
    query = {"marketplaceId": ctx.args.marketplace}
    return _listing(
        ctx, "/wishlist/items", query, watchlist_table, "Your eBay watch list is empty."
    )


def run_history(ctx: Context) -> int:
    query = {"outcome": ctx.args.outcome, "from": ctx.args.since, "to": ctx.args.until}
    return _listing(ctx, "/bid-history", query, history_table, "No settled snipes yet.")


def _listing(
    ctx: Context,
    path: str,
    query: dict[str, Any],
    table: Callable[[list[dict[str, Any]]], Table],
    empty: str,
) -> int:
    """Every page of a listing, up to --limit, as a table (or `empty` in words)."""
    items = list(ctx.access.api().pages(path, query, limit=ctx.args.limit))
    ctx.output.result(table(items) if items else empty, {"items": items})
    return DONE


def run_stats(ctx: Context) -> int:
    api = ctx.access.api()
    entries = list(api.pages("/bid-history", {"from": ctx.args.since}))
    figures = stats(entries)
    ctx.output.result(stats_table(figures, since=ctx.args.since), figures.as_json())
    return DONE
