"""/ebay/auth: link the caller's eBay account (OAuth authorization-code grant) and unlink it."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from sniper.api.inputs import SignedIn, body
from sniper.api.operations import Operation, RouteTable, json_response
from sniper.api.requests import AuthCallbackRequest
from sniper.api.views import AuthUrlView, BidView, EbayStatusView, UnlinkView, iso_ms
from sniper.services.ebay_linking import EbayLinking

TAG = "ebay"
AUTH_URL = Operation(
    "GET",
    "/ebay/auth/url",
    "getEbayConsentUrl",
    "Where to send the browser to grant eBay access (state valid minutes)",
    TAG,
    response=AuthUrlView,
)
CALLBACK = Operation(
    "POST",
    "/ebay/auth/callback",
    "completeEbayLink",
    "Redeem the code eBay's redirect carried, with its state",
    TAG,
    response=EbayStatusView,
    body=AuthCallbackRequest,
    errors=(400, 409, 422, 502, 503),
)
STATUS = Operation(
    "GET",
    "/ebay/auth/status",
    "getEbayLinkStatus",
    "Linked or not, as whom, with which scopes, until when, broken or not; whether eBay lets "
    "this application bid (granted, denied or unknown, with a sentence)",
    TAG,
    response=EbayStatusView,
)
UNLINK = Operation(
    "DELETE",
    "/ebay/auth/unlink",
    "unlinkEbay",
    "Forget the eBay tokens; pending snipes are cancelled and listed",
    TAG,
    response=UnlinkView,
    errors=(409,),
)

OPERATIONS = (AUTH_URL, CALLBACK, STATUS, UNLINK)

Callback = Annotated[AuthCallbackRequest, Depends(body(AuthCallbackRequest))]


def build_router(linking: EbayLinking) -> APIGatewayHttpRouter:
    table = RouteTable(OPERATIONS)

    @table.bind(AUTH_URL)
    async def auth_url(caller: SignedIn) -> Response[str]:
        consent = await linking.consent(caller)
        return json_response(
            AuthUrlView(
                url=consent.url,
                state=consent.state.value,
                expires_at=iso_ms(consent.state.expires_ms),
            ),
            headers={"Cache-Control": "no-store"},
        )

    @table.bind(CALLBACK)
    async def callback(caller: SignedIn, grant: Callback) -> Response[str]:
        user = await linking.complete(caller, code=grant.code, state=grant.state)
        return json_response(EbayStatusView.of(user.ebay_link))

    @table.bind(STATUS)
    async def status(caller: SignedIn) -> Response[str]:
        user = await linking.status(caller.user_id)
        return json_response(EbayStatusView.of(user.ebay_link if user else None))

    @table.bind(UNLINK)
    async def unlink(caller: SignedIn) -> Response[str]:
        outcome = await linking.unlink(caller.user_id)
        return json_response(
            UnlinkView(
                unlinked=outcome.was_linked,
                cancelled_bids=[BidView.of(s) for s in outcome.cancelled],
            )
        )

    return table.router()
