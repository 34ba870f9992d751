"""/wishlist: the caller's eBay watch list, and one item, each with the caller's snipe if any."""

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from sniper.api.inputs import SignedIn, query
from sniper.api.operations import Operation, RouteTable, json_response
from sniper.api.requests import WishlistQuery
from sniper.api.views import ItemDetailView, WishlistItemView, WishlistPage
from sniper.services.watchlist import Watchlist

TAG = "wishlist"
LIST_ITEMS = Operation(
    "GET",
    "/wishlist/items",
    "listWatchedItems",
    "The eBay watch list: auctions first, soonest close first",
    TAG,
    response=WishlistPage,
    query=WishlistQuery,
    errors=(400, 404, 422, 503),
)
GET_ITEM = Operation(
    "GET",
    "/wishlist/items/{itemId}",
    "getItem",
    "One eBay item (item number or v1|n|0), and the caller's snipe on it",
    TAG,
    response=ItemDetailView,
    errors=(400, 404, 503),
)

OPERATIONS = (LIST_ITEMS, GET_ITEM)

WishlistFilter = Annotated[WishlistQuery, Depends(query(WishlistQuery))]


def build_router(watchlist: Watchlist) -> APIGatewayHttpRouter:
    table = RouteTable(OPERATIONS)

    @table.bind(LIST_ITEMS)
    async def list_items(caller: SignedIn, filters: WishlistFilter) -> Response[str]:
        page = await watchlist.page(
            caller.user_id,
            marketplace_id=filters.marketplace_id,
            cursor=filters.cursor,
            limit=filters.limit,
        )
        return json_response(
            WishlistPage(
                items=[WishlistItemView.of(e.item, e.snipe) for e in page.entries],
                total=page.total,
                next_cursor=page.next_cursor,
            )
        )

    @table.bind(GET_ITEM)
    async def get_item(itemId: str, caller: SignedIn) -> Response[str]:  # the path's name
        detail = await watchlist.item(caller.user_id, unquote(itemId))
        return json_response(
            ItemDetailView.of(
                detail.item,
                ended=detail.ended,
                next_minimum=detail.next_minimum,
                snipe=detail.snipe,
            )
        )

    return table.router()
