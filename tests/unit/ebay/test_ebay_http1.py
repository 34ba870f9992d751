"""HTTP/1.1 requests encoded whole, ahead of time, for the warm connection."""

from __future__ import annotations

import pytest

from sniper.ebay.http1 import Origin, encode_request


def test_a_request_is_encoded_whole() -> None:
    prepared = encode_request(
        Origin.of("http://127.0.0.1:8080"),
        "POST",
        "/buy/offer/v1_beta/bidding/v1%7C1%7C0/place_proxy_bid",
        {
            "Authorization": "Bearer t",
            "Content-Type": "application/json",
            "Host": "evil.example",
            "Content-Length": "999",
            "Connection": "close",
        },
        b'{"a":1}',
    )
    assert prepared == (
        b"POST /buy/offer/v1_beta/bidding/v1%7C1%7C0/place_proxy_bid HTTP/1.1\r\n"
        b"Host: 127.0.0.1:8080\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\n"
        b"Content-Length: 7\r\nConnection: keep-alive\r\n\r\n"
        b'{"a":1}'
    )


def test_the_default_port_and_an_empty_get_body_are_left_out() -> None:
    assert encode_request(Origin.of("https://api.ebay.com"), "GET", "/x", {}) == (
        b"GET /x HTTP/1.1\r\nHost: api.ebay.com\r\nConnection: keep-alive\r\n\r\n"
    )


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/x", {"X-Evil": "a\r\nInjected: yes"}),
        ("GET", "/x", {"Bad Name": "v"}),
        ("G ET", "/x", {}),
        ("GET", "x", {}),
        ("GET", "/x HTTP/1.1\r\n", {}),
    ],
)
def test_injection_is_refused(method: str, path: str, headers: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"invalid|path|line break") as caught:
        encode_request(Origin.of("http://127.0.0.1:1"), method, path, headers)
    assert "Injected" not in str(caught.value)


def test_base_url_must_be_an_http_origin() -> None:
    with pytest.raises(ValueError, match="origin"):
        Origin.of("ftp://example.com")


@pytest.mark.parametrize(
    ("base_url", "host_header"),
    [
        ("https://api.ebay.com", "api.ebay.com"),
        ("https://api.ebay.com:8443", "api.ebay.com:8443"),
        ("http://127.0.0.1", "127.0.0.1"),
        ("http://[::1]:8080", "[::1]:8080"),
    ],
)
def test_the_host_header_names_the_port_only_when_it_is_not_the_default(
    base_url: str, host_header: str
) -> None:
    assert Origin.of(base_url).host_header == host_header
