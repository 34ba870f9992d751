"""eBay OAuth: the consent page (approves at once) and the token endpoint's three grants."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from aiohttp import web

from sniper.devstack.ebaysim.accounts import GrantError
from sniper.devstack.ebaysim.config import SimConfig
from sniper.devstack.ebaysim.wire import ARRIVED_NS, STATE_KEY, json_response


def _accept_url(config: SimConfig, redirect_uri: str) -> str:
    # A RuName means nothing here, so the accept URL comes from config or the value itself.
    if config.accept_url:
        return config.accept_url
    if redirect_uri.startswith(("http://", "https://")):
        return redirect_uri
    return config.fallback_accept_url


async def authorize(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    query = request.query
    missing = [
        name
        for name in ("client_id", "redirect_uri", "response_type", "scope")
        if not query.get(name)
    ]
    if missing or query.get("response_type") != "code":
        reason = f"missing {', '.join(missing)}" if missing else "response_type must be code"
        return web.Response(status=400, text=f"invalid_request: {reason}")
    config = state.config
    if config.client_id is not None and query["client_id"] != config.client_id:
        return web.Response(status=400, text="invalid_client: unknown client_id")
    username = query.get("username") or config.default_username
    code = state.accounts.issue_code(
        username,
        query["client_id"],
        query["redirect_uri"],
        tuple(query["scope"].split()),
        request[ARRIVED_NS],
    )
    params = {"code": code, "expires_in": str(config.auth_code_ttl_s)}
    if "state" in query:
        params["state"] = query["state"]
    target = _accept_url(config, query["redirect_uri"])
    separator = "&" if "?" in target else "?"
    raise web.HTTPFound(target + separator + urlencode(params))


def _user_tokens(access: str, config: SimConfig, refresh: str | None = None) -> web.Response:
    """A user token answer; a refresh token only for the authorization-code grant."""
    body: dict[str, object] = {
        "access_token": access,
        "expires_in": config.access_token_ttl_s,
        "token_type": "User Access Token",
    }
    if refresh is not None:
        body |= {"refresh_token": refresh, "refresh_token_expires_in": config.refresh_token_ttl_s}
    return json_response(body)


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return json_response({"error": error, "error_description": description}, status)


def _client_id(request: web.Request, config: SimConfig) -> str | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id or not secret:
        return None
    if config.client_id is not None and client_id != config.client_id:
        return None
    if config.client_secret is not None and secret != config.client_secret:
        return None
    return client_id


async def token(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    now = request[ARRIVED_NS]
    config = state.config
    client_id = _client_id(request, config)
    if client_id is None:
        return _oauth_error(401, "invalid_client", "client authentication failed")
    if request.content_type != "application/x-www-form-urlencoded":
        return _oauth_error(
            400, "invalid_request", "request body must be application/x-www-form-urlencoded"
        )
    form = await request.post()
    fields = {key: str(value) for key, value in form.items()}
    grant_type = fields.get("grant_type")
    try:
        if grant_type == "authorization_code":
            if not fields.get("code") or not fields.get("redirect_uri"):
                return _oauth_error(400, "invalid_request", "code and redirect_uri are required")
            code = state.accounts.redeem_code(
                fields["code"], client_id, fields["redirect_uri"], now
            )
            access, refresh = state.accounts.issue_user_tokens(
                code.username, client_id, code.scopes, now
            )
            return _user_tokens(access, config, refresh)
        if grant_type == "refresh_token":
            if not fields.get("refresh_token"):
                return _oauth_error(400, "invalid_request", "refresh_token is required")
            scopes = tuple(fields["scope"].split()) if fields.get("scope") else None
            access, _ = state.accounts.refresh_access(
                fields["refresh_token"], client_id, scopes, now
            )
            return _user_tokens(access, config)
        if grant_type == "client_credentials":
            if not fields.get("scope"):
                return _oauth_error(400, "invalid_request", "scope is required")
            access = state.accounts.issue_access(
                None, tuple(fields["scope"].split()), now, client_id=client_id
            )
            return json_response(
                {
                    "access_token": access,
                    "expires_in": config.access_token_ttl_s,
                    "token_type": "Application Access Token",
                }
            )
    except GrantError as failure:
        return _oauth_error(400, failure.error, failure.description)
    return _oauth_error(
        400,
        "unsupported_grant_type",
        "grant type in request is not supported by the authorization server",
    )
