"""The CLI's API client against a real HTTP server on loopback that answers as scripted: what it
sends again (and with which Idempotency-Key), what it never sends twice, how a 401 refreshes the
token once, and how refusals read."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sniper.cli.api import Api, ApiError
from sniper.cli.errors import USAGE, CliError, NotSignedIn, UnknownStack


@dataclass
class Answer:
    status: int
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Scripted:
    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                server.seen.append(
                    Seen(self.command, self.path, dict(self.headers), self.rfile.read(length))
                )
                answer = server.answers.pop(0) if server.answers else Answer(200, {})
                payload = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def server() -> Iterator[Scripted]:
    scripted = Scripted()
    thread = threading.Thread(target=scripted.httpd.serve_forever, daemon=True)
    thread.start()
    yield scripted
    scripted.httpd.shutdown()
    scripted.httpd.server_close()


def _api(server: Scripted, **kwargs: object) -> tuple[Api, list[float]]:
    slept: list[float] = []
    api = Api(server.url, lambda refresh: "token-1", sleep=slept.append, **kwargs)
    return api, slept


def test_a_keyed_post_is_sent_again_with_the_same_key(server: Scripted) -> None:
    server.answers = [Answer(503, {"error": {"code": "upstream_unavailable", "message": "x"}}),
                      Answer(429, {}, {"Retry-After": "3"}), Answer(201, {"bidId": "B"})]  # fmt: skip
    api, slept = _api(server)
    assert api.call("POST", "/bids", body={"itemId": "1"}, idempotency_key="key-1") == {
        "bidId": "B"
    }
    assert [s.headers["Idempotency-Key"] for s in server.seen] == ["key-1"] * 3
    assert slept == [0.5, 3.0]  # our backoff, then the server's Retry-After
    assert all(s.headers["Authorization"] == "Bearer token-1" for s in server.seen)


def test_a_post_without_a_key_is_sent_once(server: Scripted) -> None:
    server.answers = [Answer(503, {"error": {"code": "upstream_unavailable", "message": "down",
                                             "correlationId": "corr-123"}})]  # fmt: skip
    api, _ = _api(server)
    with pytest.raises(ApiError) as refused:
        api.call("POST", "/ebay/auth/callback", body={"code": "c", "state": "s"})
    assert len(server.seen) == 1
    assert ("correlation id", "corr-123 (quote it if you report this)") in refused.value.details


def test_gets_give_up_after_two_retries(server: Scripted) -> None:
    server.answers = [Answer(502, {"message": "Bad Gateway"})] * 3
    api, slept = _api(server)
    with pytest.raises(ApiError) as refused:
        api.get("/bids")
    assert len(server.seen) == 3 and slept == [0.5, 1.0]
    assert refused.value.status == 502 and refused.value.message == "Bad Gateway"


def test_a_refusal_reads_as_the_api_wrote_it(server: Scripted) -> None:
    server.answers = [Answer(422, {"error": {"code": "max_bid_below_minimum", "field": "maxBid",
                                             "message": "at least 31.00 USD"}})]  # fmt: skip
    api, _ = _api(server)
    with pytest.raises(ApiError) as refused:
        api.call("PUT", "/bids/B", body={})
    error = refused.value
    assert error.exit_code == 1 and error.message == "at least 31.00 USD"
    assert error.details == (("field", "maxBid"), ("status", "422 max_bid_below_minimum"))
    assert len(server.seen) == 1  # a 4xx is an answer, not a failure to retry


def test_a_401_refreshes_the_token_once(server: Scripted) -> None:
    server.answers = [Answer(401, {"message": "Unauthorized"}), Answer(200, {"ok": True})]
    asked: list[bool] = []

    def bearer(refresh: bool) -> str:
        asked.append(refresh)
        return "fresh" if True in asked else "stale"

    assert Api(server.url, bearer).get("/users/profile") == {"ok": True}
    assert [s.headers["Authorization"] for s in server.seen] == ["Bearer stale", "Bearer fresh"]

    server.seen.clear()
    server.answers = [Answer(401, {"message": "Unauthorized"})] * 2
    with pytest.raises(NotSignedIn):
        Api(server.url, bearer).get("/users/profile")
    assert len(server.seen) == 2


def test_pages_are_followed_by_their_cursor(server: Scripted) -> None:
    server.answers = [Answer(200, {"items": [1, 2], "nextCursor": "c2"}),
                      Answer(200, {"items": [3], "nextCursor": None})]  # fmt: skip
    api, _ = _api(server)
    assert list(api.pages("/bids", {"status": "WON", "limit": 2})) == [1, 2, 3]
    assert server.seen[0].path == "/bids?status=WON&limit=2"
    assert server.seen[1].path == "/bids?status=WON&limit=2&cursor=c2"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_local_stack_that_stopped_is_an_unknown_stack() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(UnknownStack) as gone:
        Api(url, local=True, sleep=lambda _: None).get("/bids")
    assert gone.value.exit_code == USAGE and "not answering" in gone.value.message
    with pytest.raises(CliError) as unreachable:
        Api(url, sleep=lambda _: None).get("/bids")
    assert unreachable.value.exit_code == 1 and "Cannot reach the API" in unreachable.value.message
