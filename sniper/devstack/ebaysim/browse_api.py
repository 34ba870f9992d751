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
        return _request_error(11001, "The specified item ID was not found.", "itemId", item_id)
    return json_response(item(auction, state.accounts, request[ARRIVED_NS]))


async def get_item_by_legacy_id(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if bearer_grant(request, state) is None:
        return invalid_token()
    legacy = request.query.get("legacy_item_id", "")
    if not legacy.isdigit():
        return _request_error(11006, "The legacy ID is invalid.", "legacyItemId", legacy)
    auction = state.auctions.get(legacy)
    if auction is None:
        return _request_error(
            11003, "The specified legacy item ID was not found.", "legacyItemId", legacy
        )
    return json_response(item(auction, state.accounts, request[ARRIVED_NS]))


def _request_error(error_id: int, message: str, name: str, value: str) -> web.Response:
    """Browse's 400 for a request parameter it cannot take."""
    return error_response(
        400, error_id, DOMAIN, "REQUEST", message, parameters=[{"name": name, "value": value}]
    )
