"""The local stack from the command line: `sniper local` runs the whole stack on this machine
(with `--demo`, a live demonstration first), `sniper demo` runs that demonstration on a fresh
stack and exits, and `sniper token` signs the demo user in and prints a fresh ID token for
calling the local API. Imported only for those commands: it needs the `local` extra (moto)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import signal
import sys
from collections.abc import Awaitable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from sniper.cli.errors import CliError
from sniper.cli.places import local_state_file
from sniper.cli.render import Output
from sniper.devstack.demo.driver import DemoError, Endpoints
from sniper.devstack.demo.script import FAST, STANDARD, Script, script
from sniper.devstack.demo.session import run_demo
from sniper.devstack.local.stack import LOCAL_TIMING, LocalStack, StackOptions, sign_in
from sniper.devstack.local.template import Template

T = TypeVar("T")

# Where the CLI's other commands look for the running local stack.
DEFAULT_STATE_FILE = local_state_file()


def run(args: argparse.Namespace) -> int:
    """`sniper local`, `sniper demo` or `sniper token` (their options: sniper.cli.main)."""
    output = Output(json_mode=False)
    if args.command == "local":
        options = StackOptions(
            host=args.host,
            api_port=args.port,
            state_file=args.state_file,
            postmark_dir=args.mail_dir,
            function_overrides=_overrides(local_timing=not args.deployed_timing, quiet=args.demo),
        )
        return asyncio.run(_serve(output, options, _script(args.fast) if args.demo else None))
    if args.command == "demo":
        options = StackOptions(
            host=args.host,
            api_port=args.port,
            function_overrides=_overrides(local_timing=True, quiet=True),
        )
        return asyncio.run(_demo(output, options, _script(args.fast)))
    if args.command == "token":
        return _print_token(
            output, args.state_file, args.username, args.password, access=args.access
        )
    return 2


def _overrides(*, local_timing: bool, quiet: bool) -> dict[str, dict[str, str]]:
    overrides = {name: dict(env) for name, env in LOCAL_TIMING.items()} if local_timing else {}
    if quiet:
        # The demo tells the story itself; the functions' INFO logs and metric lines (on
        # stdout, as on Lambda) would drown it and break the live table.
        for spec in Template.load().functions():
            env = overrides.setdefault(spec.logical_id, {})
            env["LOG_LEVEL"] = "WARNING"
            env["POWERTOOLS_METRICS_DISABLED"] = "true"
    return overrides


def _script(fast: bool) -> Script:
    return script(FAST if fast else STANDARD)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def _start(output: Output, options: StackOptions) -> LocalStack | None:
    stack = LocalStack(options)
    try:
        await stack.__aenter__()
    except OSError as exc:
        # Most likely the API port is taken (another `sniper local`, or a frontend dev server).
        output.error(CliError(f"Cannot start the local stack: {exc}"))
        return None
    return stack


async def _unless_stopped(work: Awaitable[T], stop: asyncio.Event) -> tuple[bool, T | None]:
    """(True, result) when `work` finished, (False, None) when `stop` came first."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False, None
    return True, task.result()


async def _demonstrate(
    output: Output, stack: LocalStack, demo: Script, stop: asyncio.Event
) -> bool | None:
    """Run the demo on the stack: True / False as it went as scripted or not; None if it was
    interrupted or could not run."""
    described = stack.describe()
    for line in (
        f"The local stack is up. Watch the demo's snipes in the web app: {described['webUrl']}",
        f"(sign in as {described['demoUsername']} / {described['demoPassword']}; "
        f"API {described['apiUrl']}).",
        *timing_lines(described),
    ):
        output.raw(line)
    endpoints = Endpoints.from_described(described)
    demo_run = run_demo(endpoints, demo, output.out)
    try:
        finished, as_scripted = await _unless_stopped(demo_run, stop)
    except (DemoError, aiohttp.ClientError) as exc:
        output.error(CliError(f"The demo could not go on: {exc}"))
        return None
    return as_scripted if finished else None


async def _serve(output: Output, options: StackOptions, demo: Script | None = None) -> int:
    stop = _stop_on_signals()
    stack = await _start(output, options)
    if stack is None:
        return 1
    try:
        if demo is not None:
            await _demonstrate(output, stack, demo, stop)
            output.raw("")
        if not stop.is_set():
            output.raw(usage(stack.describe(), options.state_file))
            await stop.wait()
        output.note("Stopping...")
    finally:
        await stack.__aexit__(None, None, None)
    output.note("Stopped.")
    return 0


async def _demo(output: Output, options: StackOptions, demo: Script) -> int:
    stop = _stop_on_signals()
    stack = await _start(output, options)
    if stack is None:
        return 1
    try:
        as_scripted = await _demonstrate(output, stack, demo, stop)
    finally:
        await stack.__aexit__(None, None, None)
    return 0 if as_scripted else 1


def timing_lines(described: Mapping[str, Any]) -> list[str]:
    """How early the bid executor is woken before each close, here and as deployed."""
    timing = described["snipeTiming"]
    lead, grid = timing["leadSeconds"], timing["precisionSeconds"]
    deployed = timing["deployed"]
    woken = f"Timing: the bid executor wakes {lead} s before each close, on a {grid} s grid"
    if (lead, grid) == (deployed["leadSeconds"], deployed["precisionSeconds"]):
        return [f"{woken}, as deployed."]
    return [
        f"{woken} (the local",
        f"        profile; deployed, it wakes {deployed['leadSeconds']} s before, on EventBridge "
        f"Scheduler's {deployed['precisionSeconds']} s grid).",
    ]


def usage(described: dict[str, Any], state_file: Path | None) -> str:
    """What `make run` prints: where everything is and a copy-pasteable first API call."""
    api = described["apiUrl"]
    token_command = _self_command("token")
    if state_file is not None and state_file != DEFAULT_STATE_FILE:
        token_command += f" --state-file {shlex.quote(str(state_file))}"
    lines = [
        "eBay Sniper local stack is running.",
        "",
        f"  Web app                 {described['webUrl']}",
        f"  API (HTTP API gateway)  {api}",
        f"  eBay simulator          {described['ebaySimUrl']}   (admin API under /sim/)",
        f"  AWS (moto)              {described['awsEndpoint']}",
        f"  User pool / client      {described['userPoolId']} / {described['userPoolClientId']}",
    ]
    if "postmarkSinkDir" in described:
        lines.append(f"  Emails (Postmark sink)  {described['postmarkSinkDir']}")
    if "demoUsername" in described:
        lines.append(
            f"  Demo login              {described['demoUsername']} / {described['demoPassword']}"
        )
    if state_file is not None:
        lines.append(f"  State file              {state_file}")
    if "snipeTiming" in described:
        lines += ["", *timing_lines(described)]
    lines += [
        "",
        "Get a token for the demo user and call the API (from this directory, another terminal):",
        "",
        f"  TOKEN=$({token_command})",
        f'  curl -s -H "Authorization: Bearer $TOKEN" {api}/users/profile',
        f"  curl -s {api}/openapi.json",
        "",
        "Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def _self_command(subcommand: str) -> str:
    # The interpreter that runs this stack, relative to the working directory when inside it
    # (`make run` uses .venv/bin/python), so the printed command works as pasted.
    executable = Path(sys.executable)
    with contextlib.suppress(ValueError):
        executable = executable.relative_to(Path.cwd())
    return f"{shlex.quote(str(executable))} -m sniper.cli {subcommand}"


def _print_token(
    output: Output, state_file: Path, username: str | None, password: str | None, *, access: bool
) -> int:
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        output.error(CliError(f"No state file at {state_file}: is `sniper local` running?"))
        return 1
    if username is None:
        username, password = state["demoUsername"], state["demoPassword"]
    if password is None:
        output.error(CliError("--password is required with --username"))
        return 2
    # boto3 wants credentials to exist; the local pool (moto) accepts any.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    tokens = sign_in(
        state["awsEndpoint"], state["region"], state["userPoolClientId"], username, password
    )
    output.raw(tokens.access_token if access else tokens.id_token)
    return 0
