"""/ebay/account-deletion: eBay's Marketplace Account Deletion endpoint (public, signed).

GET answers eBay's endpoint challenge; POST takes a signed notice (412 if the signature fails,
as eBay expects; 204 once that eBay user's data is gone).
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Request, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from sniper.api.decoding import header
from sniper.api.inputs import RawBody, query, raw_event, request_header
from sniper.api.operations import Operation, RouteTable, empty_response, json_response
from sniper.api.requests import ChallengeQuery
from sniper.api.views import ChallengeView
from sniper.services.ebay_notices import AccountDeletionNotices, challenge_response

TAG = "ebay-notifications"
CHALLENGE = Operation(
    "GET",
    "/ebay/account-deletion",
    "answerEbayChallenge",
    "eBay's endpoint validation: hex(sha256(code + token + endpoint URL))",
    TAG,
    response=ChallengeView,
    query=ChallengeQuery,
    authorized=False,
    errors=(400,),
)
NOTICE = Operation(
    "POST",
    "/ebay/account-deletion",
    "receiveAccountDeletion",
    "A signed eBay account-deletion notice: that eBay user's data is removed",
    TAG,
    status=204,
    authorized=False,
    errors=(400, 412, 503),
)

OPERATIONS = (CHALLENGE, NOTICE)


def endpoint_url(event: Mapping[str, Any]) -> str:
    """The URL eBay called, as eBay hashes it: https://{domainName}{rawPath}.

    Behind the local gateway the scheme is http; it says so in X-Forwarded-Proto.
    """
    scheme = (header(event, "X-Forwarded-Proto") or "https").split(",")[0].strip().lower()
    if scheme not in ("http", "https"):
        scheme = "https"
    domain = (event.get("requestContext") or {}).get("domainName", "")
    return f"{scheme}://{domain}{event.get('rawPath', '')}"


def called_url(request: Request) -> str:
    return endpoint_url(raw_event(request))


Challenge = Annotated[ChallengeQuery, Depends(query(ChallengeQuery))]
CalledUrl = Annotated[str, Depends(called_url)]
Signature = Annotated[str | None, Depends(request_header("X-EBAY-SIGNATURE"))]


def build_router(
    notices: AccountDeletionNotices, verification_token: Callable[[], Awaitable[str]]
) -> APIGatewayHttpRouter:
    table = RouteTable(OPERATIONS)

    @table.bind(CHALLENGE)
    async def challenge(challenge: Challenge, endpoint: CalledUrl) -> Response[str]:
        token = await verification_token()
        return json_response(
            ChallengeView(
                challengeResponse=challenge_response(challenge.challenge_code, token, endpoint)
            )
        )

    @table.bind(NOTICE)
    async def notice(signature: Signature, body: RawBody) -> Response[str]:
        await notices.handle(signature, body)
        return empty_response(204)

    return table.router()
