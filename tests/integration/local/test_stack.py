"""The local stack as a whole: what it starts, what it writes, that it stops; and `sniper local` /
`sniper token` as `make run` uses them."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from sniper import cli
from sniper.devstack.local.stack import DEMO_PASSWORD, DEMO_USERNAME, LocalStack, StackOptions
from tests.integration.local.jwt_forgery import claims_of

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _options(tmp_path: Path, **overrides: object) -> StackOptions:
    settings: dict[str, object] = {
        "api_port": 0,
        "stack_name": f"sniper-st-{secrets.token_hex(3)}",
        "state_file": tmp_path / "state" / "local.json",
        "postmark_dir": tmp_path / "mail",
        **overrides,
    }
    return StackOptions(**settings)  # type: ignore[arg-type]


async def _refused(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            await response.read()
    except aiohttp.ClientConnectionError:
        return True
    return False


async def test_the_stack_writes_its_state_and_everything_answers(tmp_path: Path) -> None:
    options = _options(tmp_path)
    async with LocalStack(options) as stack:
        assert options.state_file is not None
        state = json.loads(options.state_file.read_text())
        assert state == json.loads(json.dumps(stack.describe()))
        assert state["demoUsername"] == DEMO_USERNAME
        assert state["demoPassword"] == DEMO_PASSWORD
        assert state["userPoolId"].startswith("us-east-1_")
        assert state["postmarkSinkDir"] == str(tmp_path / "mail")
        assert state["resources"]["UsersTable"] == f"{options.stack_name}-Users"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{state['apiUrl']}/nowhere") as response:
                assert response.status == 404
            async with http.get(f"{state['ebaySimUrl']}/buy/browse/v1/item/v1|1|0") as response:
                assert response.status in (400, 401, 404)  # eBay's answer, not a refused socket
            jwks = f"{state['awsEndpoint']}/{state['userPoolId']}/.well-known/jwks.json"
            async with http.get(jwks) as response:
                assert (await response.json())["keys"]
        tokens = await stack.sign_in()
        assert claims_of(tokens.id_token)["cognito:username"] == DEMO_USERNAME
        assert stack.gateway is not None
        claims = await stack.gateway.authorizer.verify(f"Bearer {tokens.id_token}")
        assert claims["aud"] == state["userPoolClientId"]
        urls = [
            state["apiUrl"],
            state["ebaySimUrl"],
            state["postmarkSinkUrl"],
            state["lambdaEndpoint"],
        ]
    assert not options.state_file.exists()
    for url in urls:
        assert await _refused(url), url


async def test_functions_are_pointed_at_the_simulator_and_the_sink(tmp_path: Path) -> None:
    async with LocalStack(_options(tmp_path, state_file=None)) as stack:
        assert stack.functions is not None and stack.ebay is not None
        assert stack.postmark is not None
        bid_env = stack.functions.environment("BidManagementFunction")
        assert bid_env["EBAY_ENVIRONMENT"] == "local"
        assert bid_env["EBAY_BASE_URL"] == stack.ebay.url
        assert bid_env["LAMBDA_ENDPOINT_URL"] == stack.functions.url
        mail_env = stack.functions.environment("NotificationHandlerFunction")
        assert mail_env["POSTMARK_BASE_URL"] == stack.postmark.url


async def test_a_failed_start_stops_what_had_started(tmp_path: Path) -> None:
    options = _options(tmp_path, api_port=0)
    async with LocalStack(options) as running:
        assert running.api_url is not None
        taken = int(running.api_url.rsplit(":", 1)[1])
        # Only the API's port clashes: the web app's would otherwise be taken + 1, which any
        # other socket on the machine may hold (the failure would then come first, elsewhere).
        clash = _options(tmp_path / "clash", api_port=taken, web_port=0)
        stack = LocalStack(clash)
        with pytest.raises(OSError, match="address already in use"):
            await stack.__aenter__()
        assert stack.ebay is not None
        assert await _refused(stack.ebay.url)
        assert clash.state_file is not None and not clash.state_file.exists()


async def test_the_token_command_prints_a_token_the_gateway_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = _options(tmp_path)
    async with LocalStack(options) as stack:
        code = await asyncio.to_thread(cli.main, ["token", "--state-file", str(options.state_file)])
        assert code == 0
        token = capsys.readouterr().out.strip()
        assert stack.gateway is not None
        claims = await stack.gateway.authorizer.verify(token)
        assert claims["token_use"] == "id"
        assert claims["cognito:username"] == DEMO_USERNAME


def test_the_token_command_explains_a_missing_state_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["token", "--state-file", str(tmp_path / "none.json")]) == 1
    assert "sniper local" in capsys.readouterr().err


async def test_sniper_local_runs_until_interrupted_and_prints_how_to_call_the_api(
    tmp_path: Path,
) -> None:
    state_file = tmp_path / "state.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sniper.cli", "local", "--port", "0",
        "--state-file", str(state_file), "--mail-dir", str(tmp_path / "mail"),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert process.stdout is not None
    printed: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not printed or "Ctrl-C stops everything." not in printed[-1]:
                line = await process.stdout.readline()
                assert line, "sniper local exited early"
                printed.append(line.decode())
        state = json.loads(state_file.read_text())
        banner = "".join(printed)
        assert state["apiUrl"] in banner
        assert (
            f'curl -s -H "Authorization: Bearer $TOKEN" {state["apiUrl"]}/users/profile' in banner
        )
        assert "-m sniper.cli token" in banner
        async with aiohttp.ClientSession() as http, http.get(f"{state['apiUrl']}/x") as response:
            assert response.status == 404
    finally:
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            code = await process.wait()
    assert code == 0
    assert not state_file.exists()


async def test_sniper_local_explains_a_taken_port(tmp_path: Path) -> None:
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sniper.cli", "local", "--port", str(port),
            "--state-file", str(tmp_path / "state.json"), "--mail-dir", str(tmp_path / "mail"),
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(60):
            _, stderr = await process.communicate()
    finally:
        blocker.close()
        await blocker.wait_closed()
    assert process.returncode == 1
    assert "Cannot start the local stack" in stderr.decode()
    assert not (tmp_path / "state.json").exists()
