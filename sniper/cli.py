"""The `sniper` command: `sniper local` runs the whole stack on this machine, `sniper token` signs
the demo user in and prints a fresh ID token for calling the local API."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import signal
import sys
from pathlib import Path
from typing import Any

from sniper.local.stack import LocalStack, StackOptions, sign_in

DEFAULT_STATE_FILE = Path(".sniper-local") / "state.json"
DEFAULT_MAIL_DIR = Path(".sniper-local") / "mail"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sniper", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    local = commands.add_parser("local", help="run the local stack until Ctrl-C")
    local.add_argument("--host", default="127.0.0.1")
    local.add_argument("--port", type=int, default=3000, help="the API gateway's port (0: any)")
    local.add_argument(
        "--state-file",
        type=Path,
        default=DEFAULT_STATE_FILE,
        help=f"write the stack's URLs and demo login here (default {DEFAULT_STATE_FILE})",
    )
    local.add_argument(
        "--mail-dir",
        type=Path,
        default=DEFAULT_MAIL_DIR,
        help=f"where the Postmark sink stores emails (default {DEFAULT_MAIL_DIR})",
    )
    token = commands.add_parser("token", help="print a fresh ID token for the local demo user")
    token.add_argument("--state-file", type=Path, default=DEFAULT_STATE_FILE)
    token.add_argument("--username", help="another user of the local pool (default: demo)")
    token.add_argument("--password")
    token.add_argument("--access", action="store_true", help="print the access token instead")
    args = parser.parse_args(argv)
    if args.command == "local":
        options = StackOptions(
            host=args.host,
            api_port=args.port,
            state_file=args.state_file,
            postmark_dir=args.mail_dir,
        )
        return asyncio.run(_serve(options))
    if args.command == "token":
        return _print_token(args.state_file, args.username, args.password, access=args.access)
    return 2


async def _serve(options: StackOptions) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    stack = LocalStack(options)
    try:
        await stack.__aenter__()
    except OSError as exc:
        # Most likely the API port is taken (another `sniper local`, or a frontend dev server).
        print(f"Cannot start the local stack: {exc}", file=sys.stderr)
        return 1
    try:
        print(usage(stack.describe(), options.state_file), flush=True)
        await stop.wait()
        print("Stopping...", file=sys.stderr, flush=True)
    finally:
        await stack.__aexit__(None, None, None)
    print("Stopped.", file=sys.stderr)
    return 0


def usage(described: dict[str, Any], state_file: Path | None) -> str:
    """What `make run` prints: where everything is and a copy-pasteable first API call."""
    api = described["apiUrl"]
    token_command = _self_command("token")
    if state_file is not None and state_file != DEFAULT_STATE_FILE:
        token_command += f" --state-file {shlex.quote(str(state_file))}"
    lines = [
        "eBay Sniper local stack is running.",
        "",
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
    state_file: Path, username: str | None, password: str | None, *, access: bool
) -> int:
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"No state file at {state_file}: is `sniper local` running?", file=sys.stderr)
        return 1
    if username is None:
        username, password = state["demoUsername"], state["demoPassword"]
    if password is None:
        print("--password is required with --username", file=sys.stderr)
        return 2
    # boto3 wants credentials to exist; the local pool (moto) accepts any.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    tokens = sign_in(
        state["awsEndpoint"], state["region"], state["userPoolClientId"], username, password
    )
    print(tokens.access_token if access else tokens.id_token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
