"""eBay's endpoint challenge: the hash and the endpoint URL it is computed over."""

from __future__ import annotations

import hashlib

from sniper.api.routes.account_deletion import endpoint_url
from sniper.services.ebay_notices import challenge_response
from tests.support.http_events import http_event


def test_challenge_response_is_sha256_of_code_token_endpoint() -> None:
    code, token = "a8628072-3d33-45ee-9004-bee86830a22d", "71745723-d031-455c-bfa5-f90d11b4f20a"
    endpoint = "https://example.execute-api.us-east-1.amazonaws.com/ebay/account-deletion"
    expected = hashlib.sha256((code + token + endpoint).encode()).hexdigest()
    assert challenge_response(code, token, endpoint) == expected
    assert challenge_response(code, token, endpoint + "/") != expected


def test_endpoint_url_is_https_domain_and_raw_path() -> None:
    event = http_event("GET", "/ebay/account-deletion", domain="api.example.com")
    assert endpoint_url(event) == "https://api.example.com/ebay/account-deletion"


def test_the_local_gateway_says_http() -> None:
    event = http_event(
        "GET",
        "/ebay/account-deletion",
        domain="127.0.0.1:3000",
        headers={"X-Forwarded-Proto": "http"},
    )
    assert endpoint_url(event) == "http://127.0.0.1:3000/ebay/account-deletion"
    odd = http_event(
        "GET", "/ebay/account-deletion", domain="h", headers={"X-Forwarded-Proto": "ftp"}
    )
    assert endpoint_url(odd) == "https://h/ebay/account-deletion"
