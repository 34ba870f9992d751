"""The `sniper` command end to end, as a user runs it: a real process per command, against the
local stack over HTTP (Cognito SRP in moto, the gateway's JWT checks, the functions, the eBay
simulator). The CLI finds the stack by its state file in the user's state directory, keeps its
sign-in in the user's config directory (both under a temporary XDG home here), and for a
deployed stack reads CloudFormation's outputs (moto's CloudFormation, through AWS_ENDPOINT_URL).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import stat
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from sniper.devstack.local.stack import LocalStack
from tests.fixtures.stack import consent_as, new_ebay_account, sim_call

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "Cli-Test-Passw0rd!"


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """`python -m sniper.cli` in a process of its own, with the environment given."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    async def start(
        self, *args: str, env: dict[str, str] | None = None
    ) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sniper.cli", *args,
            cwd=PROJECT_ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env or self.env,
        )  # fmt: skip

    async def run(
        self, *args: str, stdin: str = "", env: dict[str, str] | None = None, within: float = 60
    ) -> Ran:
        process = await self.start(*args, env=env)
        try:
            async with asyncio.timeout(within):
                out, err = await process.communicate(stdin.encode())
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode is not None
        return Ran(process.returncode, out.decode(), err.decode())


@dataclass
class Home:
    """A user's XDG directories, and where the CLI keeps things in them."""

    state: Path
    config: Path

    @property
    def state_file(self) -> Path:
        return self.state / "sniper" / "local-stack.json"

    @property
    def sessions(self) -> Path:
        return self.config / "sniper" / "sessions"


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return Home(state=tmp_path / "state", config=tmp_path / "config")


@pytest.fixture
def cli(home: Home) -> Cli:
    env = {k: v for k, v in os.environ.items() if k not in ("SNIPER_STACK", "AWS_ENDPOINT_URL")}
    env.update(
        XDG_STATE_HOME=str(home.state),
        XDG_CONFIG_HOME=str(home.config),
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
        COLUMNS="200",
    )
    return Cli(env)


@pytest.fixture
def running(clean_stack: LocalStack, home: Home) -> LocalStack:
    """The session's local stack, described where `sniper local` describes a running stack."""
    home.state_file.parent.mkdir(parents=True)
    home.state_file.write_text(json.dumps(clean_stack.describe()), encoding="utf-8")
    return clean_stack


async def _user(stack: LocalStack) -> str:
    username = f"cli-{secrets.token_hex(4)}"
    await stack.create_user(username, PASSWORD, email=f"{username}@example.com", name="Cli User")
    return username


async def _link_ebay(
    cli: Cli, stack: LocalStack, *, web_app: Callable[[str], Awaitable[None]] | None = None
) -> Ran:
    """`sniper link-ebay` as a user runs it: the printed consent address opened in a browser
    (which signs in the simulator user named in it), the redirected address pasted back.
    `web_app` sees that address first, as the web app's callback page would."""
    ebay_username = await new_ebay_account(stack)
    process = await cli.start("link-ebay", "--no-browser")
    assert process.stdout is not None and process.stdin is not None
    try:
        async with asyncio.timeout(30):
            line = b""
            while not line.startswith(b"http"):
                line = await process.stdout.readline()
                assert line, "link-ebay printed no consent address"
            redirected = await consent_as(line.decode().strip(), ebay_username)
            if web_app is not None:
                await web_app(redirected)
            out, err = await process.communicate(f"{redirected}\n".encode())
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    ran = Ran(process.returncode, line.decode() + out.decode(), err.decode())
    assert ran.code == 0, ran
    assert f"linked as {ebay_username}" in ran.out
    assert "code=" not in ran.out + ran.err  # the one-time code is never printed
    return ran


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_sign_in_link_ebay_snipe_by_url_and_read_its_timing_report(
    running: LocalStack, cli: Cli, home: Home
) -> None:
    username = await _user(running)
    login = await cli.run("login", "--username", username, "--password-stdin", stdin=PASSWORD)
    assert login.code == 0, login
    assert f"Signed in to the local stack as {username}" in login.out
    kept = home.sessions / "local.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    tokens = json.loads(kept.read_text())["tokens"]
    assert tokens["id_token"] not in login.out + login.err
    assert tokens["refresh_token"] not in login.out + login.err

    await _link_ebay(cli, running)

    auction = await sim_call(
        running,
        "POST",
        "/sim/auctions",
        {"title": "Leica M6 body", "startPrice": "10.00", "endsInSeconds": 20},
    )
    legacy = auction["legacyItemId"]
    url = f"https://www.ebay.com/itm/Leica-M6-body/{legacy}?hash=item1a2b3c"
    added = await cli.run("add", url, "--max", "25.00", "--offset", "2", "--json")
    assert added.code == 0, added
    bid = added.json
    assert bid["legacyItemId"] == legacy
    assert bid["maxBid"] == {"value": "25.00", "currency": "USD"}
    assert bid["offsetSeconds"] == 2.0

    listed = await cli.run("ls")
    assert listed.code == 0, listed
    row = next(line for line in listed.out.splitlines() if bid["bidId"] in line)
    assert "Leica M6 body" in row and "25.00 USD" in row
    assert [b["bidId"] for b in (await cli.run("ls", "--json")).json["items"]] == [bid["bidId"]]

    # Follows the snipe through the API until it settles, then prints the timing report.
    shown = await cli.run("show", bid["bidId"], "--wait", within=90)
    assert shown.code == 0, shown
    assert "WON" in shown.out and "10.00 USD" in shown.out
    timeline = shown.out.split("Timeline (T = the close)", 1)[1].splitlines()
    target = next(line for line in timeline if " target " in line)
    assert "T−2.000 s" in target
    assert any(" sent " in line and "T−" in line for line in timeline)
    assert any(" close " in line and "T 0" in line for line in timeline)

    report = (await cli.run("show", bid["bidId"], "--json")).json
    assert report["bid"]["status"] == "WON"
    assert report["history"]["outcome"] == "WON"
    events = [mark["event"] for mark in report["timeline"]]
    # Sent a little before the target (aimed by the one-way latency), all before the close.
    assert events[-1] == "close" and {"target", "sent"} <= set(events)
    assert 1.0 < report["landedSecondsBeforeClose"] < 2.6

    history = (await cli.run("history", "--outcome", "won", "--json")).json
    assert [entry["bidId"] for entry in history["items"]] == [bid["bidId"]]
    stats = (await cli.run("stats", "--json")).json
    assert stats["outcomes"]["WON"] == 1 and stats["settled"] == 1
    assert stats["paid"] == [{"value": "10.00", "currency": "USD"}]
    assert stats["landing"]["medianSecondsBeforeClose"] == pytest.approx(
        report["landedSecondsBeforeClose"]
    )


async def test_a_wrong_password_exits_1_and_keeps_nothing(
    running: LocalStack, cli: Cli, home: Home
) -> None:
    username = await _user(running)
    ran = await cli.run(
        "login", "--username", username, "--password-stdin", stdin="Not-The-Passw0rd!\n"
    )
    assert ran.code == 1, ran
    assert "Incorrect username or password." in ran.err
    assert not home.sessions.exists() or not any(home.sessions.iterdir())
    after = await cli.run("ls")
    assert after.code == 1
    assert "not signed in" in after.err and "sniper login" in after.err


@pytest.mark.timeout(120)
async def test_the_stack_sniper_local_runs_is_found_with_no_flags(
    cli: Cli, home: Home, tmp_path: Path
) -> None:
    process = await cli.start("local", "--port", "0", "--mail-dir", str(tmp_path / "mail"))
    assert process.stdout is not None
    try:
        async with asyncio.timeout(60):
            while b"Ctrl-C stops everything." not in await process.stdout.readline():
                assert process.returncode is None, "sniper local exited early"
        assert home.state_file.exists()  # in the user's state directory, by default
        login = await cli.run("login", "--demo")
        assert login.code == 0, login
        whoami = await cli.run("whoami", "--json")
        assert whoami.code == 0, whoami
        assert whoami.json["profile"]["email"] == "demo@example.com"
    finally:
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            await process.wait()
    assert not home.state_file.exists()
    gone = await cli.run("whoami")
    assert gone.code == 2 and "No local stack is running" in gone.err


async def test_no_local_stack_running_exits_2_and_says_how_to_start_one(cli: Cli) -> None:
    ran = await cli.run("ls")
    assert ran.code == 2, ran
    assert "No local stack is running" in ran.err
    assert "sniper local" in ran.err


async def test_a_stack_cloudformation_does_not_know_exits_2(running: LocalStack, cli: Cli) -> None:
    assert running.aws is not None
    env = {**cli.env, "AWS_ENDPOINT_URL": running.aws.endpoint}
    ran = await cli.run("--stack", "no-such-stack", "--region", "us-east-1", "ls", env=env)
    assert ran.code == 2, ran
    assert "no CloudFormation stack named no-such-stack in us-east-1" in ran.err


async def test_a_deployed_stack_is_found_by_its_outputs_then_needs_no_aws_credentials(
    running: LocalStack, cli: Cli
) -> None:
    aws = running.aws
    assert aws is not None and running.api_url is not None
    name = f"sniper-deployed-{secrets.token_hex(3)}"
    described = running.describe()
    outputs = {
        "ApiUrl": running.api_url,
        "UserPoolId": described["userPoolId"],
        "UserPoolClientId": described["userPoolClientId"],
    }
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    await asyncio.to_thread(
        aws.client("cloudformation").create_stack,
        StackName=name,
        TemplateBody=json.dumps(template),
    )
    username = await _user(running)
    # Signing in reads the outputs (with AWS credentials) and signs in by SRP with Cognito.
    with_aws = {**cli.env, "AWS_ENDPOINT_URL": aws.endpoint}
    login = await cli.run(
        "--stack", name, "--region", aws.region, "login", "--username", username,
        "--password-stdin", "--json", stdin=PASSWORD, env=with_aws,
    )  # fmt: skip
    assert login.code == 0, login
    assert login.json["apiUrl"] == running.api_url and login.json["username"] == username
    # Later commands use the outputs kept with the sign-in: no AWS credentials, no CloudFormation.
    bare = {k: v for k, v in cli.env.items() if not k.startswith("AWS_")}
    whoami = await cli.run("--stack", name, "--region", aws.region, "whoami", "--json", env=bare)
    assert whoami.code == 0, whoami
    assert whoami.json["profile"]["email"] == f"{username}@example.com"
    assert whoami.json["ebay"]["linked"] is False


async def _signed_in_and_linked(running: LocalStack, cli: Cli) -> None:
    username = await _user(running)
    assert (await cli.run("login", "-u", username, "--password-stdin", stdin=PASSWORD)).code == 0
    await _link_ebay(cli, running)


async def test_link_ebay_accepts_a_code_the_web_app_redeemed_first(
    running: LocalStack, cli: Cli, home: Home
) -> None:
    username = await _user(running)
    assert (await cli.run("login", "-u", username, "--password-stdin", stdin=PASSWORD)).code == 0
    token = json.loads((home.sessions / "local.json").read_text())["tokens"]["id_token"]

    async def web_app(redirected: str) -> None:
        grant = {k: v[0] for k, v in parse_qs(urlsplit(redirected).query).items()}
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{running.api_url}/ebay/auth/callback",
                json={"code": grant["code"], "state": grant["state"]},
                headers={"Authorization": f"Bearer {token}"},
            ) as response,
        ):
            assert response.status == 200

    linked = await _link_ebay(cli, running, web_app=web_app)
    assert "callback page redeemed the code" in linked.err


async def test_the_api_refusal_is_said_in_words_with_its_field(
    running: LocalStack, cli: Cli
) -> None:
    await _signed_in_and_linked(running, cli)
    auction = await sim_call(
        running, "POST", "/sim/auctions", {"title": "A lens", "startPrice": "30.00",
                                            "endsInSeconds": 3600},
    )  # fmt: skip
    ran = await cli.run("add", auction["legacyItemId"], "--max", "5")
    assert ran.code == 1, ran
    assert ran.err.startswith("error: ")
    assert "field: maxBid" in ran.err and "status: 422" in ran.err
    assert "correlation id" not in ran.err  # quoted for server failures only
    missing = await cli.run("show", "01NOSUCHSNIPE0000000000000")
    assert missing.code == 1 and "status: 404" in missing.err


async def test_edit_cancel_and_logout(running: LocalStack, cli: Cli, home: Home) -> None:
    await _signed_in_and_linked(running, cli)
    auction = await sim_call(
        running, "POST", "/sim/auctions", {"title": "A Rolleiflex", "startPrice": "30.00",
                                            "endsInSeconds": 3600},
    )  # fmt: skip
    added = await cli.run("add", auction["legacyItemId"], "--max", "40", "--group", "tlr:1",
                          "--json")  # fmt: skip
    assert added.code == 0, added
    bid_id = added.json["bidId"]
    assert added.json["group"] == {"groupId": "tlr", "maxWins": 1}

    edited = await cli.run("edit", bid_id, "--max", "45.5", "--offset", "4", "--json")
    assert edited.code == 0, edited
    assert edited.json["maxBid"] == {"value": "45.50", "currency": "USD"}
    assert edited.json["offsetSeconds"] == 4.0

    cancelled = await cli.run("cancel", bid_id)
    assert cancelled.code == 0 and f"Cancelled snipe {bid_id}" in cancelled.out
    listed = (await cli.run("ls", "--status", "cancelled", "--json")).json["items"]
    assert [(b["bidId"], b["status"]) for b in listed] == [(bid_id, "CANCELLED")]

    out = await cli.run("logout")
    assert out.code == 0 and "Signed out of the local stack" in out.out
    assert not (home.sessions / "local.json").exists()
    assert (await cli.run("ls")).code == 1


async def test_a_server_failure_names_its_correlation_id(running: LocalStack, cli: Cli) -> None:
    await _signed_in_and_linked(running, cli)
    auction = await sim_call(
        running, "POST", "/sim/auctions", {"title": "A lens", "startPrice": "30.00",
                                            "endsInSeconds": 3600},
    )  # fmt: skip
    # eBay's Browse API fails for longer than the API's and the CLI's retries last.
    await sim_call(running, "POST", "/sim/faults", {"operation": "getItem", "status": 503,
                                                 "count": 50})  # fmt: skip
    ran = await cli.run("add", auction["legacyItemId"], "--max", "40")
    assert ran.code == 1, ran
    assert "status: 503" in ran.err
    correlation = next(line for line in ran.err.splitlines() if "correlation id:" in line)
    assert len(correlation.split("correlation id:")[1].split()[0]) >= 8


async def test_usage_errors_exit_2(cli: Cli) -> None:
    ran = await cli.run("add", "123456789012", "--max", "twenty")
    assert ran.code == 2
    assert "is not an amount such as 25.00" in ran.err
    nothing = await cli.run("edit", "01SOMESNIPE000000000000000")
    assert nothing.code == 2 and "Say what to change" in nothing.err
    assert (await cli.run("frobnicate")).code == 2
    assert (await cli.run("history", "--since", "yesterday")).code == 2
