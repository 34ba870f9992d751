"""The local user pool signs in by SRP as Cognito does (sniper/devstack/local/cognito_srp.py): pycognito's
client, over HTTP to moto in server mode, gets tokens with the right password and is refused with
a wrong one; the answer is checked the way Cognito checks it (timestamp, secret block, client);
temporary and unconfirmed users meet Cognito's answers."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import ForceChangePasswordException

from sniper.devstack.local.stack import LocalStack

PASSWORD = "Srp-Test-Passw0rd!"


class Pool:
    """The local stack's user pool, as a client reaches it."""

    def __init__(self, stack: LocalStack) -> None:
        assert stack.aws is not None
        self.stack = stack
        self.cognito = stack.aws.client("cognito-idp")
        self.pool_id = stack.aws.refs["UserPool"]
        self.client_id = stack.aws.refs["UserPoolClient"]

    def user(self, *, password: str = PASSWORD, temporary: bool = False) -> str:
        name = f"srp-{secrets.token_hex(4)}"
        self.cognito.admin_create_user(
            UserPoolId=self.pool_id,
            Username=name,
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
            MessageAction="SUPPRESS",
            **({"TemporaryPassword": password} if temporary else {}),
        )
        if not temporary:
            self.cognito.admin_set_user_password(
                UserPoolId=self.pool_id, Username=name, Password=password, Permanent=True
            )
        return name

    def srp(self, username: str, password: str, *, client_id: str | None = None) -> AWSSRP:
        return AWSSRP(
            username=username,
            password=password,
            pool_id=self.pool_id,
            client_id=client_id or self.client_id,
            client=self.cognito,
        )

    def challenge(self, srp: AWSSRP) -> dict[str, Any]:
        answer: dict[str, Any] = self.cognito.initiate_auth(
            ClientId=srp.client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=srp.get_auth_params()
        )
        return answer

    def respond(
        self, srp: AWSSRP, challenge: dict[str, Any], *, client_id: str | None = None
    ) -> Any:
        answer = srp.process_challenge(challenge["ChallengeParameters"], srp.get_auth_params())
        return self.cognito.respond_to_auth_challenge(
            ClientId=client_id or srp.client_id,
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=answer,
        )


def _refusal(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call()
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


def _stamped(stamp: str) -> type[AWSSRP]:
    """A client that writes TIMESTAMP as given (and signs that text)."""

    class Stamped(AWSSRP):  # type: ignore[misc]
        @staticmethod
        def get_cognito_formatted_timestamp(input_datetime: Any) -> str:
            return stamp

    return Stamped


@pytest.fixture
def pool(clean_stack: LocalStack) -> Pool:
    return Pool(clean_stack)


async def test_the_right_password_signs_in_and_the_gateway_takes_the_token(
    pool: Pool, api_url: str
) -> None:
    username = await asyncio.to_thread(pool.user)
    tokens = await asyncio.to_thread(pool.srp(username, PASSWORD).authenticate_user)
    id_token = tokens["AuthenticationResult"]["IdToken"]
    headers = {"Authorization": f"Bearer {id_token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{api_url}/users/profile", headers=headers) as response,
    ):
        assert response.status == 200
        assert (await response.json())["email"] == f"{username}@example.com"


async def test_a_wrong_password_is_refused_as_cognito_refuses_it(pool: Pool) -> None:
    username = await asyncio.to_thread(pool.user)
    srp = pool.srp(username, "Not-The-Passw0rd!")
    code, message = await asyncio.to_thread(_refusal, srp.authenticate_user)
    assert (code, message) == ("NotAuthorizedException", "Incorrect username or password.")


async def test_the_challenge_is_cognitos(pool: Pool) -> None:
    username = await asyncio.to_thread(pool.user)
    first = await asyncio.to_thread(pool.challenge, pool.srp(username, PASSWORD))
    second = await asyncio.to_thread(pool.challenge, pool.srp(username, PASSWORD))
    parameters = first["ChallengeParameters"]
    assert first["ChallengeName"] == "PASSWORD_VERIFIER"
    assert "Session" not in first  # Cognito sends none with PASSWORD_VERIFIER
    assert parameters["USERNAME"] == parameters["USER_ID_FOR_SRP"] == username
    assert base64.b64decode(parameters["SECRET_BLOCK"], validate=True)
    # The salt belongs to the user's password; B and the secret block to the attempt.
    assert parameters["SALT"] == second["ChallengeParameters"]["SALT"]
    assert parameters["SRP_B"] != second["ChallengeParameters"]["SRP_B"]
    assert parameters["SECRET_BLOCK"] != second["ChallengeParameters"]["SECRET_BLOCK"]


@pytest.mark.parametrize(
    ("stamp", "accepted"),
    [
        ("Tue Sep 5 10:00:00 UTC 2023", True),  # any instant, written as Cognito writes it
        ("Tue Sep 05 10:00:00 UTC 2023", False),  # a padded day: Cognito verifies "Sep 5"
        ("Wed Sep 5 10:00:00 UTC 2023", False),  # 5 Sep 2023 was a Tuesday
    ],
)
async def test_the_timestamp_is_verified_as_cognito_writes_it(
    pool: Pool, stamp: str, accepted: bool
) -> None:
    username = await asyncio.to_thread(pool.user)
    client = _stamped(stamp)(
        username=username,
        password=PASSWORD,
        pool_id=pool.pool_id,
        client_id=pool.client_id,
        client=pool.cognito,
    )
    if accepted:
        tokens = await asyncio.to_thread(client.authenticate_user)
        assert tokens["AuthenticationResult"]["IdToken"]
    else:
        refusal = await asyncio.to_thread(_refusal, client.authenticate_user)
        assert refusal == ("NotAuthorizedException", "Incorrect username or password.")


async def test_a_timestamp_in_another_format_is_an_invalid_parameter(pool: Pool) -> None:
    username = await asyncio.to_thread(pool.user)
    client = _stamped("2023-09-05T10:00:00Z")(
        username=username,
        password=PASSWORD,
        pool_id=pool.pool_id,
        client_id=pool.client_id,
        client=pool.cognito,
    )
    code, message = await asyncio.to_thread(_refusal, client.authenticate_user)
    assert code == "InvalidParameterException"
    assert "EEE MMM d HH:mm:ss z yyyy" in message


async def test_an_answer_counts_once_and_for_the_client_that_asked(pool: Pool) -> None:
    username = await asyncio.to_thread(pool.user)
    srp = pool.srp(username, PASSWORD)
    challenge = await asyncio.to_thread(pool.challenge, srp)
    assert "AuthenticationResult" in await asyncio.to_thread(pool.respond, srp, challenge)
    replayed = await asyncio.to_thread(_refusal, lambda: pool.respond(srp, challenge))
    assert replayed[0] == "NotAuthorizedException"

    other = await asyncio.to_thread(
        lambda: pool.cognito.create_user_pool_client(
            UserPoolId=pool.pool_id, ClientName=f"other-{secrets.token_hex(3)}"
        )["UserPoolClient"]["ClientId"]
    )
    challenge = await asyncio.to_thread(pool.challenge, srp)
    elsewhere = await asyncio.to_thread(
        _refusal, lambda: pool.respond(srp, challenge, client_id=other)
    )
    assert elsewhere == ("NotAuthorizedException", "Incorrect username or password.")


async def test_a_temporary_password_asks_for_a_new_one_and_only_when_right(pool: Pool) -> None:
    username = await asyncio.to_thread(pool.user, temporary=True)
    wrong = pool.srp(username, "Not-The-Passw0rd!")
    assert (await asyncio.to_thread(_refusal, wrong.authenticate_user))[0] == (
        "NotAuthorizedException"
    )
    with pytest.raises(ForceChangePasswordException):
        await asyncio.to_thread(pool.srp(username, PASSWORD).authenticate_user)
    new_password = "Chosen-New-Passw0rd!"
    changed = await asyncio.to_thread(
        pool.srp(username, PASSWORD).set_new_password_challenge, new_password
    )
    assert changed["AuthenticationResult"]["IdToken"]
    tokens = await asyncio.to_thread(pool.srp(username, new_password).authenticate_user)
    assert tokens["AuthenticationResult"]["IdToken"]


async def test_an_unconfirmed_user_is_told_so_whatever_the_password(pool: Pool) -> None:
    # Cognito answers UserNotConfirmedException at InitiateAuth, before any proof.
    username = f"srp-{secrets.token_hex(4)}"
    await asyncio.to_thread(
        lambda: pool.cognito.sign_up(
            ClientId=pool.client_id,
            Username=username,
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        )
    )
    for password in (PASSWORD, "Not-The-Passw0rd!"):
        code, _ = await asyncio.to_thread(_refusal, pool.srp(username, password).authenticate_user)
        assert code == "UserNotConfirmedException"
