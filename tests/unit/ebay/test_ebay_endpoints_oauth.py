"""Endpoints per environment, the OAuth consent URL, and redacted reprs of secrets."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import PRODUCTION, SANDBOX, endpoints_for
from sniper.ebay.http import EbayHttp
from sniper.ebay.oauth import AUCTION_SCOPE, USER_SCOPES, AppToken, EbayOAuth, UserTokens

SECRET = "SBX-c0ffee-s3cr3t"
CREDENTIALS = AppCredentials(
    client_id="Sniper-App-PRD-1", client_secret=SECRET, ru_name="My-RuName"
)


def test_production_and_sandbox_endpoints_are_ebays_hosts() -> None:
    assert endpoints_for("production") == PRODUCTION
    assert PRODUCTION.auth_url == "https://auth.ebay.com/oauth2/authorize"
    assert PRODUCTION.token_url == "https://api.ebay.com/identity/v1/oauth2/token"
    assert PRODUCTION.browse_base == "https://api.ebay.com/buy/browse/v1"
    assert PRODUCTION.identity_base == "https://apiz.ebay.com/commerce/identity/v1"
    assert PRODUCTION.trading_url == "https://api.ebay.com/ws/api.dll"
    assert endpoints_for("sandbox") == SANDBOX
    assert SANDBOX.auth_url == "https://auth.sandbox.ebay.com/oauth2/authorize"
    assert SANDBOX.token_url == "https://api.sandbox.ebay.com/identity/v1/oauth2/token"
    assert SANDBOX.identity_base == "https://apiz.sandbox.ebay.com/commerce/identity/v1"
    assert SANDBOX.trading_url == "https://api.sandbox.ebay.com/ws/api.dll"


def test_local_endpoints_put_every_path_under_the_simulator() -> None:
    local = endpoints_for("local", "http://127.0.0.1:8123/")
    assert local.auth_url == "http://127.0.0.1:8123/oauth2/authorize"
    assert local.token_url == "http://127.0.0.1:8123/identity/v1/oauth2/token"
    assert local.identity_base == "http://127.0.0.1:8123/commerce/identity/v1"
    assert local.trading_url == "http://127.0.0.1:8123/ws/api.dll"


@pytest.mark.parametrize(
    ("environment", "url"), [("local", None), ("local", "127.0.0.1:1"), ("staging", None)]
)
def test_bad_environments_are_refused_clearly(environment: str, url: str | None) -> None:
    with pytest.raises(ValueError, match=r"local|environment|http"):
        endpoints_for(environment, url)


def _oauth() -> EbayOAuth:
    return EbayOAuth(EbayHttp(), PRODUCTION, CREDENTIALS)


def test_consent_url_carries_what_ebay_requires() -> None:
    url = _oauth().consent_url("st4te-xyz")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == PRODUCTION.auth_url
    query = parse_qs(parts.query, strict_parsing=True)
    assert query == {
        "client_id": ["Sniper-App-PRD-1"],
        "redirect_uri": ["My-RuName"],
        "response_type": ["code"],
        "scope": [" ".join(USER_SCOPES)],
        "state": ["st4te-xyz"],
    }
    assert AUCTION_SCOPE in query["scope"][0].split(" ")
    # eBay wants spaces between scopes as %20, not "+"; and the secret never goes to a browser.
    assert "%20" in parts.query
    assert "+" not in parts.query
    assert SECRET not in url


def test_consent_url_can_force_a_fresh_login_and_other_scopes() -> None:
    url = _oauth().consent_url("s", scopes=[AUCTION_SCOPE], prompt_login=True)
    query = parse_qs(urlsplit(url).query)
    assert query["prompt"] == ["login"]
    assert query["scope"] == [AUCTION_SCOPE]


def test_consent_url_needs_a_state() -> None:
    with pytest.raises(ValueError, match="state"):
        _oauth().consent_url("")


def test_secrets_never_show_in_reprs() -> None:
    tokens = UserTokens(
        access_token="v^1.1#i^1#ACCESS",
        access_expires_ms=1,
        refresh_token="v^1.1#REFRESH",
        refresh_expires_ms=2,
        scopes=(AUCTION_SCOPE,),
    )
    app = AppToken(access_token="v^1.1#APPTOKEN", expires_ms=3, scopes=())
    for thing, secrets in (
        (CREDENTIALS, [SECRET]),
        (tokens, ["ACCESS", "REFRESH"]),
        (app, ["APPTOKEN"]),
    ):
        shown = [repr(thing), str(thing), f"{thing}", repr([thing]), repr(thing.__rich_repr__())]
        for text in shown:
            for secret in secrets:
                assert secret not in text
        assert "***" in repr(thing)
    # The non-secret parts stay visible, so logs remain useful.
    assert "Sniper-App-PRD-1" in repr(CREDENTIALS)
    assert "access_expires_ms=1" in repr(tokens)


def test_basic_authorization_is_id_colon_secret_base64() -> None:
    import base64

    header = CREDENTIALS.basic_authorization()
    assert header.startswith("Basic ")
    assert base64.b64decode(header[6:]).decode() == f"Sniper-App-PRD-1:{SECRET}"
