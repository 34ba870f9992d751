"""Where the CLI finds a stack and keeps a sign-in: the local stack's state file, the per-stack
token files (0600 in a 0700 directory), and a sign-in refreshed when its tokens lapse."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from sniper.cli import places
from sniper.cli.access import Access, StackChoice
from sniper.cli.errors import USAGE, CliError, NotSignedIn, UnknownStack
from sniper.cli.sessions import SessionStore, SignIn, Tokens
from sniper.cli.stacks import Stack, read_local, session_key

STATE = {
    "apiUrl": "http://127.0.0.1:3000/",
    "awsEndpoint": "http://127.0.0.1:5000",
    "region": "us-east-1",
    "userPoolId": "us-east-1_pool1",
    "userPoolClientId": "client1",
    "demoUsername": "demo",
    "demoPassword": "secret",
}


def _tokens(expires_in: float) -> Tokens:
    return Tokens(
        id_token="id", access_token="access", refresh_token="refresh",
        expires_at=time.time() + expires_in,
    )  # fmt: skip


def test_the_places_follow_the_xdg_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert places.local_state_file() == tmp_path / "state" / "sniper" / "local-stack.json"
    assert places.sessions_dir() == tmp_path / "config" / "sniper" / "sessions"


def test_the_local_stack_is_read_from_its_state_file(tmp_path: Path) -> None:
    state_file = tmp_path / "local-stack.json"
    state_file.write_text(json.dumps(STATE))
    stack = read_local(state_file)
    assert stack.local and stack.name == "local" and stack.api_url == "http://127.0.0.1:3000"
    assert stack.cognito_endpoint == "http://127.0.0.1:5000"
    assert (stack.user_pool_id, stack.client_id) == ("us-east-1_pool1", "client1")


def test_no_state_file_is_an_unknown_stack_that_says_how_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(UnknownStack) as none:
        read_local(tmp_path / "absent.json")
    assert none.value.exit_code == USAGE
    assert none.value.hint is not None and "sniper local" in none.value.hint
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(UnknownStack):
        read_local(broken)


def test_a_sign_in_is_kept_for_the_user_alone_and_read_back(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    stack = Stack(name="prod", region="eu-west-1", api_url="https://api", user_pool_id="p",
                  client_id="c")  # fmt: skip
    kept = SignIn(stack=stack, username="alice", tokens=_tokens(3600), signed_in_at=time.time())
    key = session_key("prod", "eu-west-1")
    path = store.save(key, kept)
    assert path.name == "prod@eu-west-1.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.load(key) == kept
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no scratch file left

    path.chmod(0o644)
    assert store.load(key) == kept
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # tightened again

    path.write_text("garbage")
    assert store.load(key) is None
    assert store.remove(key) and not store.remove(key)


class FakeCognito:
    """The refresh a stack's Cognito would give (or refuse)."""

    def __init__(self, refused: bool = False) -> None:
        self.refused = refused
        self.refreshed = 0

    def refresh(self, tokens: Tokens) -> Tokens:
        self.refreshed += 1
        if self.refused:
            raise CliError("Refresh Token has been revoked")
        return Tokens(id_token=f"id-{self.refreshed}", access_token="a",
                      refresh_token=tokens.refresh_token, expires_at=time.time() + 3600)  # fmt: skip


def _local(tmp_path: Path, cognito: FakeCognito) -> Access:
    state_file = tmp_path / "local-stack.json"
    state_file.write_text(json.dumps(STATE))
    choice = StackChoice(name="local", region=None, profile=None, state_file=state_file)
    return Access(choice, SessionStore(tmp_path / "sessions"), cognito=lambda _: cognito)


def test_lapsed_tokens_are_refreshed_and_kept(tmp_path: Path) -> None:
    cognito = FakeCognito()
    access = _local(tmp_path, cognito)
    stack = access.discover()
    access.store.save("local", SignIn(stack=stack, username="demo", tokens=_tokens(30),
                                      signed_in_at=time.time()))  # fmt: skip
    api = access.api()
    assert api._bearer is not None
    assert api._bearer(False) == "id-1"  # 30 s left is within the margin: refreshed
    assert api._bearer(False) == "id-1"  # fresh now: not again
    assert access.store.load("local").tokens.id_token == "id-1"
    assert api._bearer(True) == "id-2"  # the API said 401: refreshed though fresh


def test_a_refused_refresh_means_sign_in_again(tmp_path: Path) -> None:
    access = _local(tmp_path, FakeCognito(refused=True))
    access.store.save("local", SignIn(stack=access.discover(), username="demo",
                                      tokens=_tokens(-10), signed_in_at=0))  # fmt: skip
    api = access.api()
    assert api._bearer is not None
    with pytest.raises(NotSignedIn) as lapsed:
        api._bearer(False)
    assert lapsed.value.hint is not None and "sniper login" in lapsed.value.hint


def test_a_restarted_local_stack_needs_a_new_sign_in(tmp_path: Path) -> None:
    access = _local(tmp_path, FakeCognito())
    old = Stack(**{**{f: getattr(access.discover(), f) for f in Stack.__struct_fields__},
                   "user_pool_id": "us-east-1_before"})  # fmt: skip
    access.store.save("local", SignIn(stack=old, username="demo", tokens=_tokens(3600),
                                      signed_in_at=0))  # fmt: skip
    with pytest.raises(NotSignedIn) as restarted:
        access.kept()
    assert "restarted" in restarted.value.message
    os.remove(access.store.path("local"))
    with pytest.raises(NotSignedIn):
        access.kept()
