"""/bid-history: settled snipes with their outcome and timing report."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from sniper.api.decoding import decode_query
from sniper.api.filters import instant_ms, statuses
from sniper.api.identity import caller_of
from sniper.api.operations import Operation, RouteTable, json_response
from sniper.api.requests import HistoryQuery
from sniper.api.views import HistoryPage, HistoryView
from sniper.domain.errors import InvalidInput
from sniper.domain.snipe import TERMINAL
from sniper.services.paging import full_page
from sniper.storage.history import HistoryRepository

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


def build_router(history: HistoryRepository) -> APIGatewayHttpRouter:
    table = RouteTable(OPERATIONS)

    @table.bind(LIST)
    async def list_history() -> Response[str]:
        event = table.current_event
        caller = caller_of(event)
        query = decode_query(event.get("queryStringParameters"), HistoryQuery)
        outcomes = statuses(query.outcome, field="outcome", allowed=TERMINAL)
        settled_from = instant_ms(query.from_, field="from")
        settled_to = instant_ms(query.to, field="to", end_of_day=True)
        if settled_from is not None and settled_to is not None and settled_from > settled_to:
            raise InvalidInput("`from` must not be after `to`", field="from")
        page = await full_page(
            lambda after, size: history.list_for_user(
                caller.user_id,
                outcomes=outcomes,
                settled_from_ms=settled_from,
                settled_to_ms=settled_to,
                cursor=after,
                limit=size,
            ),
            query.cursor,
            query.limit,
        )
        return json_response(
            HistoryPage(items=[HistoryView.of(e) for e in page.items], next_cursor=page.next_cursor)
        )

    @table.bind(GET)
    async def get_history(bidId: str) -> Response[str]:  # the path parameter's name
        caller = caller_of(table.current_event)
        return json_response(HistoryView.of(await history.get(caller.user_id, bidId)))

    return table.router()
