"""Identity getUser: who the user token belongs to."""

from __future__ import annotations

from aiohttp import web

from sniper.devstack.ebaysim.wire import IDENTITY_SCOPE, STATE_KEY, json_response, user_grant


async def get_user(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    grant = user_grant(request, state, IDENTITY_SCOPE)
    if isinstance(grant, web.Response):
        return grant
    assert grant.username is not None
    user = state.accounts.ensure_user(grant.username)
    return json_response(
        {
            "userId": user.user_id,
            "username": user.username,
            "accountType": "INDIVIDUAL",
            "registrationMarketplaceId": user.registration_marketplace_id,
            "status": "CONFIRMED",
        }
    )
