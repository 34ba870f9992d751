"""A command's way in: the stack named on the command line, and the user's sign-in on it
(refreshed when its tokens lapse, kept again after)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import msgspec

from sniper.cli.api import Api
from sniper.cli.cognito import CognitoSignIn
from sniper.cli.errors import CliError, NotSignedIn, UsageError
from sniper.cli.sessions import SessionStore, SignIn
from sniper.cli.stacks import LOCAL, Stack, configured_region, from_cloudformation, read_local
from sniper.cli.stacks import session_key as key_of


@dataclass(frozen=True)
class StackChoice:
    """What the command line says about the stack: --stack, --region, --profile, --state-file."""

    name: str
    region: str | None
    profile: str | None
    state_file: Path

    @property
    def local(self) -> bool:
        return self.name == LOCAL

    @property
    def login_command(self) -> str:
        return "sniper login" if self.local else f"sniper --stack {self.name} login"


class Access:
    def __init__(
        self,
        choice: StackChoice,
        store: SessionStore,
        cognito: Callable[[Stack], CognitoSignIn] = CognitoSignIn,
    ) -> None:
        self.choice = choice
        self.store = store
        self._cognito = cognito

    def discover(self) -> Stack:
        """The stack as it is now: its state file, or CloudFormation (UnknownStack if none)."""
        if self.choice.local:
            return read_local(self.choice.state_file)
        return from_cloudformation(self.choice.name, self.choice.region, self.choice.profile)

    def key(self, stack: Stack | None = None) -> str:
        if self.choice.local:
            return LOCAL
        if stack is not None:
            return key_of(stack.name, stack.region)
        region = self.choice.region or configured_region(None, self.choice.profile)
        if region is not None:
            return key_of(self.choice.name, region)
        # No region given or configured: a sign-in kept for this name in one region decides.
        kept = [k for k in self.store.kept_keys() if k.startswith(key_of(self.choice.name, None))]
        if len(kept) == 1:
            return kept[0]
        raise UsageError(
            f"Which region is stack {self.choice.name} in?",
            hint="Pass --region (e.g. --region eu-west-1) or set AWS_REGION.",
        )

    def cognito(self, stack: Stack) -> CognitoSignIn:
        return self._cognito(stack)

    def kept(self) -> SignIn:
        """The user's sign-in on the chosen stack, checked against it; NotSignedIn if none."""
        if self.choice.local:
            stack = self.discover()
            kept = self.store.load(LOCAL)
            if kept is None:
                raise NotSignedIn(
                    "You are not signed in to the local stack.",
                    hint="Sign in with `sniper login` (the demo user: `sniper login --demo`).",
                )
            if kept.stack.user_pool_id != stack.user_pool_id:
                raise NotSignedIn(
                    "The local stack has been restarted since you signed in (its users are new).",
                    hint="Sign in again with `sniper login`.",
                )
            return msgspec.structs.replace(kept, stack=stack)
        found = self.store.load(self.key())
        if found is None:
            self.discover()  # an unknown stack says so (exit 2) before "not signed in"
            raise NotSignedIn(
                f"You are not signed in to stack {self.choice.name}.",
                hint=f"Sign in with `{self.choice.login_command}`.",
            )
        return found

    def api(self) -> Api:
        """The API of the chosen stack, as the signed-in user."""
        current = self.kept()
        key = self.key(current.stack)

        def bearer(refresh: bool) -> str:
            nonlocal current
            if refresh or not current.tokens.fresh():
                try:
                    tokens = self.cognito(current.stack).refresh(current.tokens)
                except CliError as refused:
                    raise NotSignedIn(
                        f"Your sign-in on {current.stack.label} has lapsed ({refused.message}).",
                        hint=f"Sign in again with `{self.choice.login_command}`.",
                    ) from None
                current = msgspec.structs.replace(current, tokens=tokens)
                self.store.save(key, current)
            # The API's JWT authorizer takes the ID token: its audience is the app client.
            return current.tokens.id_token

        return Api(current.stack.api_url, bearer, local=current.stack.local)
