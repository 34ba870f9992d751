"""/openapi.json: the API's own description (public), generated once per container."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from sniper.api.openapi import document
from sniper.api.operations import Operation, RouteTable, json_response
from sniper.api.routes import account_deletion, bids, ebay_auth, history, users, wishlist

TITLE = "eBay Sniper API"
VERSION = "0.1.0"
DESCRIPTION = (
    "Set a maximum bid on an eBay auction; it is placed seconds before the close. "
    "Authenticate with a Cognito token (Authorization: Bearer ...)."
)

GET_DOCUMENT = Operation(
    "GET",
    "/openapi.json",
    "getOpenApiDocument",
    "This document (OpenAPI 3.1)",
    "meta",
    response=dict[str, Any],
    authorized=False,
)
OPERATIONS = (GET_DOCUMENT,)


def all_operations() -> tuple[Operation, ...]:
    return (
        *users.OPERATIONS,
        *account_deletion.OPERATIONS,
        *OPERATIONS,
        *ebay_auth.OPERATIONS,
        *wishlist.OPERATIONS,
        *bids.OPERATIONS,
        *history.OPERATIONS,
    )


def api_document() -> dict[str, Any]:
    return document(all_operations(), title=TITLE, version=VERSION, description=DESCRIPTION)


def build_router() -> APIGatewayHttpRouter:
    table = RouteTable(OPERATIONS)
    body = api_document()

    @table.bind(GET_DOCUMENT)
    async def get_document() -> Response[str]:
        return json_response(body, headers={"Cache-Control": "public, max-age=300"})

    return table.router()
