"""`sniper`: the command line. Builds the parser (cheaply: `--help` and `--version` import
nothing beyond the standard library and this package), then runs one command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sniper.cli import inputs
from sniper.cli.errors import USAGE
from sniper.cli.places import local_state_file

if TYPE_CHECKING:
    from sniper.cli.context import Context

DESCRIPTION = """\
Snipe eBay auctions from a terminal: your maximum bid, placed in the last seconds, exactly once.

It talks to a stack's public API: a deployed one (--stack NAME, found by its CloudFormation
outputs) or the one `sniper local` runs on this machine (the default). Start with `sniper login`,
then `sniper link-ebay`, then `sniper add`."""

EPILOG = """\
stacks:
  --stack local (the default, or SNIPER_STACK) is the stack `sniper local` / `make run` runs
  here, found by its state file. Any other name is a deployed CloudFormation stack: its outputs
  (ApiUrl, UserPoolId, UserPoolClientId) are read with your AWS credentials when you sign in,
  in --region or your AWS configuration's region; later commands need no AWS credentials.
  Sign-ins are kept per stack in {sessions}, readable by you only.

exit status:
  0  done
  1  refused or failed: the API said no (4xx) or failed (5xx), a wrong password, a snipe that
     failed (`show`), no sign-in
  2  usage: bad arguments, an unknown stack, no local stack running

examples:
  sniper login                          # the local stack (demo user: sniper login --demo)
  sniper --stack ebay-sniper-prod --region eu-west-1 login
  sniper link-ebay
  sniper watchlist
  sniper add https://www.ebay.co.uk/itm/123456789012 --max 25.00 --offset 3
  sniper add 123456789012 --max 40 --group lenses:1
  sniper ls
  sniper show 01JH3Z... --wait          # follow it to the close, then the timing report
  sniper history --outcome WON --since 30d
  sniper stats --json"""


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("ebay-sniper")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _common() -> argparse.ArgumentParser:
    """Options every stack command takes, before or after the command's name."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("stack and output")
    group.add_argument(
        "--stack",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="`local` (default; SNIPER_STACK sets another) or a deployed CloudFormation stack",
    )
    group.add_argument(
        "--region", default=argparse.SUPPRESS, help="the deployed stack's AWS region"
    )
    group.add_argument(
        "--profile", default=argparse.SUPPRESS, help="the AWS profile to look the stack up with"
    )
    group.add_argument(
        "--state-file",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help=f"where the running local stack is described (default {local_state_file()})",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print the result as JSON (for scripts); messages go to stderr",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    from sniper.cli.places import sessions_dir

    common = _common()
    parser = argparse.ArgumentParser(
        prog="sniper",
        description=DESCRIPTION,
        epilog=EPILOG.format(sessions=sessions_dir()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"sniper {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, summary: str, description: str | None = None) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=summary,
            description=description or summary,
            parents=[common],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    login = command(
        "login",
        "sign in to the stack (Cognito, SRP: your password never leaves this machine)",
        "Sign in to the stack's user pool. A temporary password is replaced (you are asked for "
        "a new one); an authenticator-app code is asked for when the account has one. The "
        "tokens are kept for this stack and refreshed as they lapse.",
    )
    login.add_argument("--username", "-u", help="your user name (asked for when omitted)")
    login.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (for scripts)",
    )
    login.add_argument(
        "--demo", action="store_true", help="the local stack's demo user, with its password"
    )
    command("logout", "sign out of the stack and forget its tokens")
    command("whoami", "who you are signed in as, and your eBay link")

    link = command(
        "link-ebay",
        "link your eBay account (opens eBay's consent page; paste back where it sends you)",
        "Link your eBay account: open eBay's consent page, agree, then paste the address eBay "
        "sent your browser to (it carries a one-time code).",
    )
    link.add_argument(
        "--no-browser", action="store_true", help="print the consent address, do not open it"
    )
    link.add_argument(
        "--redirect-url",
        metavar="URL",
        help="the address eBay sent the browser to (instead of pasting it when asked)",
    )

    watchlist = command("watchlist", "your eBay watch list, auctions first")
    watchlist.add_argument("--marketplace", default="EBAY_US", help="eBay site (default EBAY_US)")
    watchlist.add_argument("--limit", type=int, default=None, help="at most this many items")

    add = command(
        "add",
        "snipe an auction: by item number or listing URL, with your maximum bid",
        "Set a snipe: your maximum bid is placed OFFSET seconds before the auction closes. The "
        "currency is the listing's unless --currency says otherwise.",
    )
    add.add_argument(
        "item", metavar="ITEM|URL", type=inputs.item, help="item number, v1|…|0 id, or listing URL"
    )
    add.add_argument(
        "--max", required=True, type=inputs.amount, metavar="AMOUNT", help="maximum bid, e.g. 25.00"
    )
    add.add_argument("--currency", type=inputs.currency, help="e.g. USD, GBP (default: listing's)")
    add.add_argument(
        "--offset",
        type=inputs.offset,
        metavar="S",
        help="seconds before the close the bid reaches eBay (default: your preference)",
    )
    add.add_argument(
        "--group",
        type=inputs.group,
        metavar="NAME[:N]",
        help="a bid group that wants N wins (default 1): once won, its other snipes skip",
    )

    ls = command("ls", "your snipes, soonest close first")
    ls.add_argument("--status", type=inputs.statuses, help="e.g. SCHEDULED,PLACED")

    show = command(
        "show",
        "one snipe: its details and, once settled, its timeline and timing report",
        "One snipe. Once settled: the outcome and the timing report as a timeline in seconds "
        "before the close (T−x.xxx s): the target, when the bid was sent, when it landed (sent + "
        "the estimated one-way latency), eBay's answer. Exit status 1 when the snipe FAILED.",
    )
    show.add_argument("bid_id", metavar="ID")
    show.add_argument(
        "--wait", action="store_true", help="follow the snipe until it settles, then show it"
    )

    edit = command("edit", "change a scheduled snipe's maximum bid or offset")
    edit.add_argument("bid_id", metavar="ID")
    edit.add_argument("--max", type=inputs.amount, metavar="AMOUNT")
    edit.add_argument("--currency", type=inputs.currency, help="default: the snipe's")
    edit.add_argument("--offset", type=inputs.offset, metavar="S")

    cancel = command("cancel", "cancel a snipe that has not been fired")
    cancel.add_argument("bid_id", metavar="ID")

    history = command("history", "settled snipes, newest first")
    history.add_argument("--outcome", type=inputs.outcomes, help="e.g. WON,LOST")
    history.add_argument(
        "--since", type=inputs.since, help="a date, an instant, or a span back (12h, 7d, 2w)"
    )
    history.add_argument("--until", type=inputs.since, help="a date or an instant")
    history.add_argument("--limit", type=int, default=None, help="at most this many entries")

    stats = command(
        "stats",
        "won / lost / skipped / failed, and how close to the close your bids landed",
    )
    stats.add_argument("--since", type=inputs.since, help="a date, an instant or a span (30d)")

    _local_commands(commands)
    return parser


def _local_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`local`, `demo`, `token`: the local stack itself (they need the `local` extra)."""
    state_file = local_state_file()
    mail_dir = Path(".sniper-local") / "mail"
    local = commands.add_parser("local", help="run the local stack until Ctrl-C")
    local.add_argument("--host", default="127.0.0.1")
    local.add_argument("--port", type=int, default=3000, help="the API gateway's port (0: any)")
    local.add_argument(
        "--state-file",
        type=Path,
        default=state_file,
        help=f"write the stack's URLs and demo login here (default {state_file})",
    )
    local.add_argument(
        "--mail-dir",
        type=Path,
        default=mail_dir,
        help=f"where the Postmark sink stores emails (default {mail_dir})",
    )
    local.add_argument(
        "--demo", action="store_true", help="run the live demonstration first, then keep serving"
    )
    local.add_argument(
        "--deployed-timing",
        action="store_true",
        help="schedule snipes as deployed (about 2 minutes ahead, on a 60 s grid) instead of "
        "the local profile (15 s ahead, 1 s grid)",
    )
    demo = commands.add_parser(
        "demo",
        help="run the live demonstration on a fresh local stack and exit "
        "(status 0 when every snipe settled as scripted)",
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=3000, help="the API gateway's port (0: any)")
    for parser in (local, demo):
        parser.add_argument(
            "--fast", action="store_true", help="demo auctions closing within 30 s (tests)"
        )
    token = commands.add_parser("token", help="print a fresh ID token for the local demo user")
    token.add_argument("--state-file", type=Path, default=state_file)
    token.add_argument("--username", help="another user of the local pool (default: demo)")
    token.add_argument("--password")
    token.add_argument("--access", action="store_true", help="print the access token instead")


LOCAL_COMMANDS = frozenset({"local", "demo", "token"})


def _stack_commands() -> dict[str, Callable[[Context], int]]:
    from sniper.cli.commands import account, records, snipes

    return {
        "login": account.run_login,
        "logout": account.run_logout,
        "whoami": account.run_whoami,
        "link-ebay": account.run_link_ebay,
        "watchlist": records.run_watchlist,
        "history": records.run_history,
        "stats": records.run_stats,
        "add": snipes.run_add,
        "ls": snipes.run_ls,
        "show": snipes.run_show,
        "edit": snipes.run_edit,
        "cancel": snipes.run_cancel,
    }


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in LOCAL_COMMANDS:
        return _run_local(args)
    return _run_stack_command(args)


def _run_local(args: argparse.Namespace) -> int:
    try:
        from sniper.devstack import commands as local_stack
    except ImportError as missing:
        print(
            f"`sniper {args.command}` runs the local stack, which needs the `local` extra "
            f"({missing.name or missing} is not installed): pip install 'ebay-sniper[local]'",
            file=sys.stderr,
        )
        return USAGE
    return local_stack.run(args)


def _run_stack_command(args: argparse.Namespace) -> int:
    from sniper.cli.access import Access, StackChoice
    from sniper.cli.context import Context, Prompts
    from sniper.cli.errors import CliError
    from sniper.cli.places import sessions_dir
    from sniper.cli.render import Output
    from sniper.cli.sessions import SessionStore

    output = Output(json_mode=getattr(args, "json", False))
    choice = StackChoice(
        name=getattr(args, "stack", None) or os.environ.get("SNIPER_STACK") or "local",
        region=getattr(args, "region", None),
        profile=getattr(args, "profile", None),
        state_file=getattr(args, "state_file", None) or local_state_file(),
    )
    context = Context(
        args=args,
        output=output,
        access=Access(choice, SessionStore(sessions_dir())),
        prompts=Prompts(output),
    )
    try:
        return _stack_commands()[args.command](context)
    except CliError as error:
        output.error(error)
        return error.exit_code
    except KeyboardInterrupt:
        output.err.print("Interrupted.")
        return 130
