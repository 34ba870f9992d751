"""/bid-history: settled snipes with their outcome and timing report."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from sniper.api.filters import instant_ms, statuses
from sniper.api.inputs import SignedIn, query
from sniper.api.operations import Operation, RouteTable, json_response
from sniper.api.requests import HistoryQuery
from sniper.api.views import HistoryPage, HistoryView
from sniper.domain.errors import InvalidInput
from sniper.domain.snipe import TERMINAL
from sniper.services.paging import full_page
from sniper.services.ports.stores import HistoryListing, HistoryStore

TAG = "history"
LIST = Operation(
    "GET",
    "/bid-history",
    "listHistory",
    "Settled snipes, newest first; filter by outcome and settle date",
    TAG,
    response=HistoryPage,
    query=HistoryQuery,
    errors=(400, 404),
)
GET = Operation(
    "GET",
    "/bid-history/{bidId}",
    "getHistory",
    "One settled snipe with its timing report",
    TAG,
    response=HistoryView,
    errors=(404,),
)

OPERATIONS = (LIST, GET)

HistoryFilter = Annotated[HistoryQuery, Depends(query(HistoryQuery))]


def build_router(history: HistoryStore) -> APIGatewayHttpRouter:
    table = RouteTable(OPERATIONS)

    @table.bind(LIST)
    async def list_history(caller: SignedIn, filters: HistoryFilter) -> Response[str]:
        outcomes = statuses(filters.outcome, field="outcome", allowed=TERMINAL)
        settled_from = instant_ms(filters.from_, field="from")
        settled_to = instant_ms(filters.to, field="to", end_of_day=True)
        if settled_from is not None and settled_to is not None and settled_from > settled_to:
            raise InvalidInput("`from` must not be after `to`", field="from")
        listing = HistoryListing(
            outcomes=outcomes,
            settled_from_ms=settled_from,
            settled_to_ms=settled_to,
            cursor=filters.cursor,
            limit=filters.limit,
        )
        page = await full_page(lambda part: history.list_for_user(caller.user_id, part), listing)
        return json_response(
            HistoryPage(items=[HistoryView.of(e) for e in page.items], next_cursor=page.next_cursor)
        )

    @table.bind(GET)
    async def get_history(bidId: str, caller: SignedIn) -> Response[str]:  # the path's name
        return json_response(HistoryView.of(await history.get(caller.user_id, bidId)))

    return table.router()
