"""`login`, `logout`, `whoami`, `link-ebay`: who you are on a stack, and your eBay link."""

from __future__ import annotations

import time
import webbrowser
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rich.table import Table

from sniper.cli.api import Api, ApiError
from sniper.cli.cognito import MfaRequired, NewPasswordRequired
from sniper.cli.context import Context
from sniper.cli.errors import DONE, CliError, UsageError
from sniper.cli.render import local_time
from sniper.cli.sessions import SignIn, Tokens
from sniper.cli.stacks import Stack, demo_login
from sniper.cli.timing import instant

# Our clock and the API's may differ a little; a link made this long before we asked still counts.
LINK_CLOCK_SLACK = timedelta(seconds=30)


def run_login(ctx: Context) -> int:
    args, prompts = ctx.args, ctx.prompts
    stack = ctx.access.discover()  # afresh: a redeployed stack may have new outputs
    if args.demo:
        if not stack.local:
            raise UsageError("--demo signs in the local stack's demo user; it has none deployed.")
        username, password = demo_login(ctx.access.choice.state_file)
    else:
        username = args.username or _ask_username(ctx)
        if args.password_stdin:
            password = prompts.stdin.readline().rstrip("\r\n")
            if not password:
                raise UsageError("--password-stdin was given but standard input had no password.")
        else:
            password = prompts.secret(f"Password for {username}: ", flag="--password-stdin")
    tokens = _sign_in(ctx, stack, username, password)
    sign_in = SignIn(stack=stack, username=username, tokens=tokens, signed_in_at=time.time())
    kept_at = ctx.access.store.save(ctx.access.key(stack), sign_in)
    api = Api(stack.api_url, lambda _refresh: tokens.id_token, local=stack.local)
    link = _best_effort(lambda: api.get("/ebay/auth/status"))
    ctx.output.result(
        f"Signed in to {stack.label} as [bold]{username}[/]. "
        f"Tokens are kept in {kept_at} (refreshed as they lapse).",
        {
            "stack": stack.name,
            "region": stack.region,
            "apiUrl": stack.api_url,
            "username": username,
            "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(tokens.expires_at)),
            "ebay": link,
        },
    )
    if link is not None and not link.get("linked"):
        ctx.output.say("Next: link your eBay account with `sniper link-ebay`.")
    return DONE


def _ask_username(ctx: Context) -> str:
    if not ctx.prompts.interactive:
        raise UsageError(
            "Who is signing in? There is no terminal to ask.",
            hint="Pass --username (and the password with --password-stdin).",
        )
    answer = ctx.prompts.line("Username: ")
    if not answer:
        raise UsageError("No username given.")
    return answer


def _sign_in(ctx: Context, stack: Stack, username: str, password: str) -> Tokens:
    cognito = ctx.access.cognito(stack)
    step = cognito.sign_in(username, password)
    if isinstance(step, NewPasswordRequired):
        if not ctx.prompts.interactive:
            raise CliError(
                "Your password is temporary: Cognito wants a new one before you can sign in.",
                hint="Run `sniper login` in a terminal to choose it.",
            )
        ctx.output.note("Your password is temporary: choose a new one.")
        new = ctx.prompts.secret("New password: ", flag="a terminal")
        if new != ctx.prompts.secret("New password again: ", flag="a terminal"):
            raise CliError("The two new passwords differ; nothing was changed.")
        step = cognito.set_new_password(username, password, new)
    if isinstance(step, MfaRequired):
        if not ctx.prompts.interactive:
            raise CliError(
                "Your account asks for a code from your authenticator app.",
                hint="Run `sniper login` in a terminal to type it.",
            )
        code = ctx.prompts.line("Code from your authenticator app: ") or ""
        step = cognito.answer_mfa(step, code)
    if not isinstance(step, Tokens):
        raise CliError("Cognito asked for a new password again; nothing was changed.")
    return step


def _best_effort(call: Any) -> Any:
    try:
        return call()
    except CliError:
        return None


def run_logout(ctx: Context) -> int:
    store, key = ctx.access.store, ctx.access.key()
    kept = store.load(key)
    if kept is None:
        ctx.output.result("You were not signed in.", {"signedOut": False})
        return DONE
    revoked = ctx.access.cognito(kept.stack).revoke(kept.tokens)
    store.remove(key)
    ctx.output.result(
        f"Signed out of {kept.stack.label}"
        + ("." if revoked else " (Cognito could not be told; the tokens lapse on their own)."),
        {"signedOut": True, "revoked": revoked},
    )
    return DONE


def run_whoami(ctx: Context) -> int:
    kept = ctx.access.kept()
    api = ctx.access.api()
    profile = api.get("/users/profile")
    link = api.get("/ebay/auth/status")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("stack", kept.stack.label)
    grid.add_row("API", kept.stack.api_url)
    grid.add_row("user", f"{kept.username} ({profile.get('name') or '—'}, {profile.get('email')})")
    grid.add_row("eBay", ebay_link_words(link))
    ctx.output.result(grid, {"stack": kept.stack.name, "profile": profile, "ebay": link})
    return DONE


def ebay_link_words(link: dict[str, Any]) -> str:
    if not link.get("linked"):
        return "not linked (sniper link-ebay)"
    words = f"linked as {link.get('username') or '?'}"
    words += f", access until {local_time(link.get('accessExpiresAt'))}"
    words += f", renew the link before {local_time(link.get('refreshExpiresAt'))}"
    if link.get("broken"):
        words += f"; BROKEN ({link.get('brokenReason') or 'eBay refuses it'}): link again"
    if "biddingAccess" in link:  # eBay's approval of the app for bidding, where the API says
        words += f"; bidding access {link['biddingAccess']}"
    return words


def run_link_ebay(ctx: Context) -> int:
    api = ctx.access.api()
    started = datetime.now(UTC)
    expected_state: str | None = None
    redirected: str | None = ctx.args.redirect_url
    if redirected is None:
        consent = api.get("/ebay/auth/url")
        expected_state = str(consent["state"])
        ctx.output.say("Open this address in a browser, sign in to eBay and agree:")
        ctx.output.raw(str(consent["url"]))
        if not ctx.args.no_browser and ctx.output.out.is_terminal:
            webbrowser.open(str(consent["url"]))
        ctx.output.say(
            "eBay then sends your browser on to another address (it carries a code): copy that "
            "address from the browser's address bar."
        )
        redirected = ctx.prompts.line("Paste it here: ")
        if not redirected:
            raise CliError("No address was pasted; your eBay account was not linked.")
    code, state = _grant(redirected)
    if expected_state is not None and state != expected_state:
        raise CliError(
            "That address answers another consent request than the one just opened.",
            hint="Paste the address eBay sent the browser to after this consent, or run "
            "`sniper link-ebay` again.",
        )
    try:
        # Redeeming a code is done once: this POST is never retried.
        status = api.call("POST", "/ebay/auth/callback", body={"code": code, "state": state})
    except ApiError as refused:
        # Deployed, eBay sends the browser to the web app's callback page, which redeems the
        # code itself when you are signed in there: then the link is made, and that is success.
        status = api.get("/ebay/auth/status")
        if not _linked_since(status, started - LINK_CLOCK_SLACK):
            raise refused from None
        ctx.output.note("The web app's callback page redeemed the code: the link is made.")
    ctx.output.result(f"eBay account {ebay_link_words(status)}.", status)
    return DONE


def _linked_since(status: dict[str, Any], moment: datetime) -> bool:
    linked_at = status.get("linkedAt")
    return bool(status.get("linked")) and linked_at is not None and instant(linked_at) >= moment


def _grant(redirected: str) -> tuple[str, str]:
    """The code and state in the address eBay redirected the browser to."""
    query = parse_qs(urlsplit(redirected.strip()).query)
    if "error" in query:
        raise CliError(
            f"eBay did not grant access: {query['error'][0]}"
            + (f" ({query['error_description'][0]})" if "error_description" in query else "")
        )
    if "code" not in query or "state" not in query:
        raise CliError(
            "That address carries no consent code and state.",
            hint="Copy the whole address the browser shows after you agreed on eBay.",
        )
    return query["code"][0], query["state"][0]
