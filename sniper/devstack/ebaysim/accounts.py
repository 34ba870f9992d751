"""eBay users and the OAuth grants that speak for them: consent codes, access and refresh tokens.

Pure bookkeeping; the instant is always passed in. Token strings look like eBay's (v^1.1#...).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from sniper.devstack.ebaysim.config import SimConfig

_NS = 1_000_000_000


@dataclass
class SimUser:
    username: str
    user_id: str
    eias_token: str
    adult_allowed: bool = True
    registration_marketplace_id: str = "EBAY_US"


@dataclass(frozen=True)
class AuthCode:
    username: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    expires_ns: int


@dataclass(frozen=True)
class AccessGrant:
    """What a bearer token proves: a user (None for an application token) and scopes, and the
    application it was issued to (None: by the admin API, for no application in particular)."""

    username: str | None
    scopes: tuple[str, ...]
    expires_ns: int
    client_id: str | None = None


@dataclass(frozen=True)
class RefreshGrant:
    username: str
    client_id: str | None  # None: issued by the admin API, good for any client
    scopes: tuple[str, ...]
    expires_ns: int


class GrantError(Exception):
    """An OAuth error as eBay names it (invalid_grant, invalid_scope ...)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass
class Accounts:
    config: SimConfig
    users: dict[str, SimUser] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    access: dict[str, AccessGrant] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)

    def ensure_user(self, username: str) -> SimUser:
        user = self.users.get(username)
        if user is None:
            digest = hashlib.sha256(username.encode()).hexdigest()
            user = SimUser(
                username, user_id=digest[:12], eias_token="nY+sHZ2PrBmdj6wVnY+sEZ2P" + digest[:16]
            )
            self.users[username] = user
        return user

    def issue_code(
        self, username: str, client_id: str, redirect_uri: str, scopes: tuple[str, ...], now_ns: int
    ) -> str:
        self.ensure_user(username)
        code = "v^1.1#i^1#I^3#r^1#f^0#p^3#t^" + secrets.token_urlsafe(32)
        expires = now_ns + self.config.auth_code_ttl_s * _NS
        self.codes[code] = AuthCode(username, client_id, redirect_uri, scopes, expires)
        return code

    def redeem_code(self, code: str, client_id: str, redirect_uri: str, now_ns: int) -> AuthCode:
        grant = self.codes.pop(code, None)  # single use, even when the redemption fails
        if grant is None or grant.expires_ns <= now_ns or grant.client_id != client_id:
            raise GrantError(
                "invalid_grant",
                "the provided authorization grant code is invalid or was issued to another client",
            )
        if grant.redirect_uri != redirect_uri:
            raise GrantError(
                "invalid_grant", "the redirect_uri does not match the authorization request"
            )
        return grant

    def issue_user_tokens(
        self, username: str, client_id: str | None, scopes: tuple[str, ...], now_ns: int
    ) -> tuple[str, str]:
        """A fresh access token and refresh token for a user (also usable directly by tests)."""
        self.ensure_user(username)
        refresh_token = "v^1.1#i^1#r^1#I^3#f^0#p^3#t^" + secrets.token_urlsafe(48)
        self.refresh[refresh_token] = RefreshGrant(
            username, client_id, scopes, now_ns + self.config.refresh_token_ttl_s * _NS
        )
        return self.issue_access(username, scopes, now_ns, client_id=client_id), refresh_token

    def issue_access(
        self,
        username: str | None,
        scopes: tuple[str, ...],
        now_ns: int,
        *,
        client_id: str | None = None,
    ) -> str:
        token = "v^1.1#i^1#p^3#r^0#I^3#f^0#t^" + secrets.token_urlsafe(64)
        self.access[token] = AccessGrant(
            username, scopes, now_ns + self.config.access_token_ttl_s * _NS, client_id
        )
        return token

    def refresh_access(
        self, refresh_token: str, client_id: str, scopes: tuple[str, ...] | None, now_ns: int
    ) -> tuple[str, tuple[str, ...]]:
        grant = self.refresh.get(refresh_token)
        foreign = grant is not None and grant.client_id not in (None, client_id)
        if grant is None or grant.expires_ns <= now_ns or foreign:
            raise GrantError(
                "invalid_grant",
                "the provided authorization refresh token is invalid or was issued to another "
                "client",
            )
        wanted = scopes if scopes else grant.scopes
        extra = sorted(set(wanted) - set(grant.scopes))
        if extra:
            raise GrantError(
                "invalid_scope",
                "the requested scope is invalid, unknown, malformed, or exceeds the scope "
                "granted by the resource owner",
            )
        return self.issue_access(grant.username, wanted, now_ns, client_id=client_id), wanted

    def authenticate(self, token: str, now_ns: int) -> AccessGrant | None:
        grant = self.access.get(token)
        if grant is None or grant.expires_ns <= now_ns:
            return None
        return grant

    def revoke(self, username: str) -> int:
        """Drop every token of a user, as revoking the app's access does; returns how many."""
        access = [t for t, g in self.access.items() if g.username == username]
        refresh = [t for t, g in self.refresh.items() if g.username == username]
        for token in access:
            del self.access[token]
        for token in refresh:
            del self.refresh[token]
        return len(access) + len(refresh)

    def expire_access(self, username: str) -> None:
        """Make a user's access tokens expired now, so a client must refresh (for tests)."""
        for token, grant in list(self.access.items()):
            if grant.username == username:
                self.access[token] = AccessGrant(grant.username, grant.scopes, 0, grant.client_id)
