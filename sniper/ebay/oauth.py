"""eBay OAuth: the consent URL, code exchange, refresh, and the application token.

The token endpoint takes form-encoded bodies with our app's Basic credentials. Its errors are
RFC 6749 bodies (`invalid_grant`, `invalid_client`), typed in `sniper.ebay.errors`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, urlencode

import msgspec

from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import EbayEndpoints
from sniper.ebay.errors import MalformedResponse, decode_json
from sniper.ebay.transport import EbayTransport

PUBLIC_SCOPE = "https://api.ebay.com/oauth/api_scope"
AUCTION_SCOPE = "https://api.ebay.com/oauth/api_scope/buy.offer.auction"
IDENTITY_SCOPE = "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly"

# What a sniper asks the user for: bid (Offer), read their watch list (Trading accepts any
# user token) and their username (Identity).
USER_SCOPES: tuple[str, ...] = (PUBLIC_SCOPE, AUCTION_SCOPE, IDENTITY_SCOPE)
# Browse getItem runs on an application token.
APP_SCOPES: tuple[str, ...] = (PUBLIC_SCOPE,)

# An application token is renewed this long before eBay says it expires, so a request that
# starts just before expiry does not carry a token that dies in flight.
APP_TOKEN_MARGIN_MS = 5 * 60 * 1000


class UserTokens(msgspec.Struct, frozen=True, kw_only=True):
    """A user's grant. Held in memory only long enough to use or encrypt it."""

    access_token: str
    access_expires_ms: int
    refresh_token: str
    refresh_expires_ms: int
    scopes: tuple[str, ...]

    def __repr__(self) -> str:
        return (
            f"UserTokens(access_token='***', access_expires_ms={self.access_expires_ms}, "
            f"refresh_token='***', refresh_expires_ms={self.refresh_expires_ms}, "
            f"scopes={self.scopes!r})"
        )

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return [
            ("access_token", "***"),
            ("access_expires_ms", self.access_expires_ms),
            ("refresh_token", "***"),
            ("refresh_expires_ms", self.refresh_expires_ms),
            ("scopes", self.scopes),
        ]


class AppToken(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    expires_ms: int
    scopes: tuple[str, ...]

    def __repr__(self) -> str:
        return f"AppToken(access_token='***', expires_ms={self.expires_ms}, scopes={self.scopes!r})"

    __str__ = __repr__

    def __rich_repr__(self) -> list[tuple[str, Any]]:
        return [("access_token", "***"), ("expires_ms", self.expires_ms), ("scopes", self.scopes)]


class _TokenResponse(msgspec.Struct):
    access_token: str
    expires_in: int
    refresh_token: str | None = None
    refresh_token_expires_in: int | None = None
    token_type: str = ""


_TOKEN_DECODER = msgspec.json.Decoder(_TokenResponse)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class EbayOAuth:
    def __init__(
        self,
        http: EbayTransport,
        endpoints: EbayEndpoints,
        credentials: AppCredentials,
        *,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self._http = http
        self._endpoints = endpoints
        self._credentials = credentials
        self._clock_ms = clock_ms
        self._app_tokens: dict[tuple[str, ...], AppToken] = {}

    def consent_url(
        self, state: str, *, scopes: Iterable[str] = USER_SCOPES, prompt_login: bool = False
    ) -> str:
        """Where to send the user's browser to grant us their scopes.

        `state` is our CSRF/correlation value; eBay hands it back on the redirect.
        """
        if not state:
            raise ValueError("state must be a non-empty, unguessable value")
        params = {
            "client_id": self._credentials.client_id,
            "redirect_uri": self._credentials.ru_name,
            "response_type": "code",
            "scope": " ".join(scopes),
            "state": state,
        }
        if prompt_login:
            params["prompt"] = "login"
        # quote (not quote_plus): eBay wants the scope list's spaces as %20.
        return f"{self._endpoints.auth_url}?{urlencode(params, quote_via=quote)}"

    async def exchange_code(self, code: str, *, scopes: Iterable[str] = USER_SCOPES) -> UserTokens:
        """Trade the consent redirect's `code` for the user's tokens (the code is single-use).

        `scopes` are those the consent URL asked for: eBay's answer does not list them.
        """
        now = self._clock_ms()
        answer = await self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self._credentials.ru_name,
            }
        )
        if answer.refresh_token is None or answer.refresh_token_expires_in is None:
            raise MalformedResponse("eBay answered a code exchange without a refresh token")
        return UserTokens(
            access_token=answer.access_token,
            access_expires_ms=now + answer.expires_in * 1000,
            refresh_token=answer.refresh_token,
            refresh_expires_ms=now + answer.refresh_token_expires_in * 1000,
            scopes=tuple(scopes),
        )

    async def refresh(self, tokens: UserTokens) -> UserTokens:
        """A fresh access token. eBay keeps the refresh token (no rotation), so it carries over.

        Raises InvalidGrant when the refresh token was revoked or expired: the user must re-link.
        """
        now = self._clock_ms()
        answer = await self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": tokens.refresh_token,
                "scope": " ".join(tokens.scopes),
            }
        )
        return msgspec.structs.replace(
            tokens,
            access_token=answer.access_token,
            access_expires_ms=now + answer.expires_in * 1000,
        )

    async def app_token(self, scopes: Iterable[str] = APP_SCOPES) -> AppToken:
        """A client-credentials token, reused by this instance until close to its expiry."""
        key = tuple(scopes)
        cached = self._app_tokens.get(key)
        now = self._clock_ms()
        if cached is not None and cached.expires_ms - APP_TOKEN_MARGIN_MS > now:
            return cached
        answer = await self._token({"grant_type": "client_credentials", "scope": " ".join(key)})
        token = AppToken(
            access_token=answer.access_token,
            expires_ms=now + answer.expires_in * 1000,
            scopes=key,
        )
        self._app_tokens[key] = token
        return token

    async def _token(self, form: dict[str, str]) -> _TokenResponse:
        answer = await self._http.request(
            "oauth",
            "POST",
            self._endpoints.token_url,
            headers={
                "Authorization": self._credentials.basic_authorization(),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            body=urlencode(form, quote_via=quote).encode("ascii"),
        )
        return decode_json(_TOKEN_DECODER, answer.body, "token response")
