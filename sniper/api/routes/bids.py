"""/bids: the caller's snipes (the guide calls them bids)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from sniper.api.decoding import to_money
from sniper.api.filters import statuses
from sniper.api.idempotency import (
    KEY_HEADER,
    KEY_MAX_LENGTH,
    KEY_PATTERN,
    IdempotencyKey,
    IdempotentRequests,
    request_fingerprint,
)
from sniper.api.inputs import SignedIn, body, query
from sniper.api.operations import HeaderParameter, Operation, RouteTable, json_response
from sniper.api.requests import BidsQuery, CreateBidRequest, UpdateBidRequest
from sniper.api.views import BidPage, BidView
from sniper.domain.snipe import BidGroup
from sniper.metrics import SniperMetrics
from sniper.services.ports.stores import SnipeListing
from sniper.services.snipes import AlreadySniped, NewSnipe, Snipes

TAG = "bids"
CREATE = Operation(
    "POST",
    "/bids",
    "createBid",
    "Snipe a live auction: checked with eBay, stored SCHEDULED, scheduled",
    TAG,
    response=BidView,
    status=201,
    body=CreateBidRequest,
    errors=(400, 409, 422, 503),
    headers=(
        HeaderParameter(
            KEY_HEADER,
            "Makes the request safe to retry: the same key and body get the first answer again "
            "(with Idempotent-Replayed: true), and the snipe is set once. Yours for 24 h; the "
            "same key with another body is 422; while the first is in flight a twin waits for "
            "its answer, then 409 request_in_progress with Retry-After.",
            pattern=KEY_PATTERN,
            max_length=KEY_MAX_LENGTH,
        ),
    ),
)
LIST = Operation(
    "GET",
    "/bids",
    "listBids",
    "The caller's snipes, soonest close first",
    TAG,
    response=BidPage,
    query=BidsQuery,
    errors=(400, 404),
)
GET = Operation("GET", "/bids/{bidId}", "getBid", "One snipe", TAG, response=BidView, errors=(404,))
UPDATE = Operation(
    "PUT",
    "/bids/{bidId}",
    "updateBid",
    "Change the maximum bid or offset while SCHEDULED (409 once it is being fired)",
    TAG,
    response=BidView,
    body=UpdateBidRequest,
    errors=(400, 404, 409, 422, 503),
)
CANCEL = Operation(
    "DELETE",
    "/bids/{bidId}",
    "cancelBid",
    "Cancel a snipe that has not been fired (idempotent)",
    TAG,
    response=BidView,
    errors=(404, 409),
)

OPERATIONS = (CREATE, LIST, GET, UPDATE, CANCEL)

NewBid = Annotated[CreateBidRequest, Depends(body(CreateBidRequest))]
BidChange = Annotated[UpdateBidRequest, Depends(body(UpdateBidRequest))]
BidsFilter = Annotated[BidsQuery, Depends(query(BidsQuery))]


def build_router(
    snipes: Snipes, idempotent: IdempotentRequests, metrics: SniperMetrics
) -> APIGatewayHttpRouter:
    table = RouteTable(OPERATIONS)

    @table.bind(CREATE)
    async def create(caller: SignedIn, key: IdempotencyKey, request: NewBid) -> Response[str]:
        if key is None:
            return await create_snipe(caller.user_id, request)
        fingerprint = request_fingerprint(CREATE.operation_id, request)
        return await idempotent.answer(
            caller.user_id, key, fingerprint, lambda: create_snipe(caller.user_id, request)
        )

    async def create_snipe(user_id: str, request: CreateBidRequest) -> Response[str]:
        try:
            snipe = await snipes.create(
                user_id,
                NewSnipe(
                    item_id=request.item_id,
                    max_bid=to_money(
                        request.max_bid.value, request.max_bid.currency, field="maxBid"
                    ),
                    offset_seconds=request.offset_seconds,
                    group=BidGroup(group_id=request.group.group_id, max_wins=request.group.max_wins)
                    if request.group
                    else None,
                ),
            )
        except AlreadySniped:
            metrics.duplicate_refused()
            raise
        return json_response(
            BidView.of(snipe, snipes.timing),
            status=201,
            headers={"Location": f"/bids/{snipe.bid_id}"},
        )

    @table.bind(LIST)
    async def list_bids(caller: SignedIn, filters: BidsFilter) -> Response[str]:
        listing = SnipeListing(
            statuses=statuses(filters.status, field="status"),
            cursor=filters.cursor,
            limit=filters.limit,
        )
        page = await snipes.list(caller.user_id, listing)
        return json_response(
            BidPage(
                items=[BidView.of(s, snipes.timing) for s in page.items],
                next_cursor=page.next_cursor,
            )
        )

    @table.bind(GET)
    async def get_bid(bidId: str, caller: SignedIn) -> Response[str]:  # the path's name
        return json_response(BidView.of(await snipes.get(caller.user_id, bidId), snipes.timing))

    @table.bind(UPDATE)
    async def update_bid(bidId: str, caller: SignedIn, change: BidChange) -> Response[str]:
        max_bid = (
            to_money(change.max_bid.value, change.max_bid.currency, field="maxBid")
            if change.max_bid
            else None
        )
        snipe = await snipes.change(
            caller.user_id, bidId, max_bid=max_bid, offset_seconds=change.offset_seconds
        )
        return json_response(BidView.of(snipe, snipes.timing))

    @table.bind(CANCEL)
    async def cancel_bid(bidId: str, caller: SignedIn) -> Response[str]:
        return json_response(BidView.of(await snipes.cancel(caller.user_id, bidId), snipes.timing))

    return table.router()
