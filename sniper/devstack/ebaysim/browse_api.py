"""Browse getItem and getItemByLegacyId. Any valid token will do (user or application)."""

from __future__ import annotations

from aiohttp import web

from sniper.devstack.ebaysim.views import item
from sniper.devstack.ebaysim.wire import (
    ARRIVED_NS,
    STATE_KEY,
    bearer_grant,
    error_response,
    invalid_token,
    json_response,
)

DOMAIN = "API_BROWSE"


async def get_item(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if bearer_grant(request, state) is None:
        return invalid_token()
    item_id = request.match_info["item_id"]
    parts = item_id.split("|")
    auction = state.find_auction(item_id) if len(parts) == 3 else None
    if auction is None:
        return error_response(
            400,
            11001,
            DOMAIN,
            "REQUEST",
            "The specified item ID was not found.",
            parameters=[{"name": "itemId", "value": item_id}],
        )
    return json_response(item(auction, state.accounts, request[ARRIVED_NS]))


async def get_item_by_legacy_id(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if bearer_grant(request, state) is None:
        return invalid_token()
    legacy = request.query.get("legacy_item_id", "")
    if not legacy.isdigit():
        return error_response(
            400,
            11006,
            DOMAIN,
            "REQUEST",
            "The legacy ID is invalid.",
            parameters=[{"name": "legacyItemId", "value": legacy}],
        )
    auction = state.auctions.get(legacy)
    if auction is None:
        return error_response(
            400,
            11003,
            DOMAIN,
            "REQUEST",
            "The specified legacy item ID was not found.",
            parameters=[{"name": "legacyItemId", "value": legacy}],
        )
    return json_response(item(auction, state.accounts, request[ARRIVED_NS]))
