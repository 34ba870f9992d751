"""Signing in to a stack's Cognito user pool: SRP (the password never leaves this machine, and
the deployed app client allows nothing else), Cognito's challenges, refresh, sign-out.

The SRP math is pycognito's (`aws_srp.AWSSRP`), over a boto3 client that signs nothing: these
Cognito operations need no AWS credentials.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sniper.cli.errors import CliError
from sniper.cli.sessions import Tokens
from sniper.cli.stacks import Stack


@dataclass(frozen=True)
class NewPasswordRequired:
    """The password was right but temporary (FORCE_CHANGE_PASSWORD): Cognito wants a new one."""

    username: str


@dataclass(frozen=True)
class MfaRequired:
    """The password was right; Cognito wants the code of the user's authenticator app."""

    username: str
    session: str


SignInStep = Tokens | NewPasswordRequired | MfaRequired


class CognitoSignIn:
    def __init__(self, stack: Stack, client: Any | None = None) -> None:
        self.stack = stack
        self._client = client if client is not None else cognito_client(stack)

    def sign_in(self, username: str, password: str) -> SignInStep:
        from pycognito.exceptions import (
            ForceChangePasswordException,
            SMSMFAChallengeException,
            SoftwareTokenMFAChallengeException,
        )

        srp = self._srp(username, password)
        with _cognito_errors(self.stack):
            try:
                return _tokens(srp.authenticate_user())
            except ForceChangePasswordException:
                return NewPasswordRequired(username=username)
            except SoftwareTokenMFAChallengeException as challenge:
                return MfaRequired(username=username, session=challenge.get_tokens()["Session"])
            except SMSMFAChallengeException:
                raise CliError(
                    "This account signs in with a code by SMS, which the CLI does not support.",
                    hint="Use an authenticator app (TOTP) for this account, set up in the web app.",
                ) from None

    def set_new_password(self, username: str, password: str, new_password: str) -> SignInStep:
        srp = self._srp(username, password)
        with _cognito_errors(self.stack):
            answer = srp.set_new_password_challenge(new_password)
        return self._after_challenge(username, answer)

    def _srp(self, username: str, password: str) -> Any:
        """pycognito's SRP for the user on this stack's pool and app client."""
        from pycognito.aws_srp import AWSSRP

        return AWSSRP(
            username=username,
            password=password,
            pool_id=self.stack.user_pool_id,
            client_id=self.stack.client_id,
            client=self._client,
        )

    def answer_mfa(self, challenge: MfaRequired, code: str) -> Tokens:
        with _cognito_errors(self.stack):
            answer = self._client.respond_to_auth_challenge(
                ClientId=self.stack.client_id,
                ChallengeName="SOFTWARE_TOKEN_MFA",
                Session=challenge.session,
                ChallengeResponses={
                    "USERNAME": challenge.username,
                    "SOFTWARE_TOKEN_MFA_CODE": code,
                },
            )
        step = self._after_challenge(challenge.username, answer)
        if not isinstance(step, Tokens):
            raise CliError(f"Cognito asked for more after the code: {answer.get('ChallengeName')}")
        return step

    def refresh(self, tokens: Tokens) -> Tokens:
        """New ID and access tokens for the kept refresh token (which Cognito keeps valid)."""
        with _cognito_errors(self.stack):
            answer = self._client.initiate_auth(
                ClientId=self.stack.client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": tokens.refresh_token},
            )
        return _tokens(answer, refresh_token=tokens.refresh_token)

    def revoke(self, tokens: Tokens) -> bool:
        """Revoke the refresh token (and the tokens issued from it); False if Cognito would not."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.revoke_token(Token=tokens.refresh_token, ClientId=self.stack.client_id)
        except (ClientError, BotoCoreError):
            return False
        return True

    def _after_challenge(self, username: str, answer: Mapping[str, Any]) -> SignInStep:
        name = answer.get("ChallengeName")
        if name is None:
            return _tokens(answer)
        if name == "SOFTWARE_TOKEN_MFA":
            return MfaRequired(username=username, session=str(answer["Session"]))
        if name == "MFA_SETUP":
            raise CliError(
                "This user pool requires an authenticator app, and none is set up for you yet.",
                hint="Set one up by signing in to the web app, then sign in here again.",
            )
        raise CliError(f"Cognito asked for {name}, which the CLI does not support.")


def cognito_client(stack: Stack) -> Any:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    # Sign-in, refresh and revocation are unauthenticated Cognito calls: never look for (or
    # wait on) AWS credentials for them.
    return boto3.client(
        "cognito-idp",
        region_name=stack.region,
        endpoint_url=stack.cognito_endpoint,
        config=Config(signature_version=UNSIGNED, retries={"mode": "standard"}),
    )


def _tokens(answer: Mapping[str, Any], *, refresh_token: str | None = None) -> Tokens:
    result = answer["AuthenticationResult"]
    return Tokens(
        id_token=result["IdToken"],
        access_token=result["AccessToken"],
        refresh_token=result.get("RefreshToken") or refresh_token or "",
        expires_at=time.time() + float(result.get("ExpiresIn", 3600)),
    )


# Cognito's refusals, in words a user can act on (the exception name is Cognito's error code).
_HINTS = {
    "UserNotConfirmedException": (
        "This account is not confirmed yet.",
        "Confirm it with the code Cognito emailed at sign-up (the web app asks for it), or have "
        "an administrator run `aws cognito-idp admin-confirm-sign-up`.",
    ),
    "PasswordResetRequiredException": (
        "This account must reset its password before it can sign in.",
        "Reset it from the web app's sign-in page (Forgot password), then sign in again.",
    ),
    "CodeMismatchException": ("That code is not the one expected.", "Try the current code."),
    "ExpiredCodeException": ("That code has expired.", "Sign in again and use a fresh code."),
}


@contextlib.contextmanager
def _cognito_errors(stack: Stack) -> Iterator[None]:
    """Cognito's errors as CliErrors with Cognito's own message (never a token)."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        message = str(details.get("Message") or code)
        if code in _HINTS:
            words, hint = _HINTS[code]
            raise CliError(words, hint=hint) from None
        if code == "ResourceNotFoundException":
            raise CliError(
                f"Cognito does not know this app client ({message}).",
                hint=f"Has {stack.label} been redeployed? Sign in again with `sniper login` to "
                "read its outputs afresh.",
            ) from None
        raise CliError(message) from None
    except EndpointConnectionError as error:
        raise CliError(f"Cannot reach Cognito for {stack.label}: {error}") from None
    except BotoCoreError as error:
        raise CliError(f"Cognito could not be asked: {error}") from None
