"""The server half of Cognito's SRP in the local stack, without moto: the key a correct client
derives is the server's, the TIMESTAMP is read as Cognito reads it, and a challenge answers once
within its three minutes."""

from __future__ import annotations

import base64

import pytest
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from pycognito.aws_srp import AWSSRP

from sniper.devstack.local.cognito_srp import (
    EXPIRED,
    SESSION_SECONDS,
    Challenge,
    Challenges,
    N,
    canonical_timestamp,
    claim_signature,
    client_public_value,
    password_verifier,
    server_session,
)

POOL_ID = "eu-west-1_AbCdEf123"
POOL_NAME = "AbCdEf123"
SALT = "4f2d9a0c1b3e5d7f9a8b6c4d2e0f1a3b"


def _client(password: str) -> AWSSRP:
    return AWSSRP(
        username="alice", password=password, pool_id=POOL_ID, client_id="c", client=object()
    )


@pytest.mark.parametrize(
    ("password", "same"), [("Right-Passw0rd!", True), ("Wrong-Passw0rd!", False)]
)
def test_a_client_with_the_password_derives_the_servers_key(password: str, same: bool) -> None:
    client = _client(password)
    verifier = password_verifier(POOL_NAME, "alice", "Right-Passw0rd!", SALT)
    session = server_session(client.large_a_value, verifier)
    key = client.get_password_authentication_key("alice", password, session.public_b, SALT)
    assert (bytes(key) == session.key) is same


def test_the_signature_is_cognitos_message_under_that_key() -> None:
    client = _client("Right-Passw0rd!")
    session = server_session(
        client.large_a_value, password_verifier(POOL_NAME, "alice", "Right-Passw0rd!", SALT)
    )
    block = base64.standard_b64encode(b"\x00secret block\xff").decode()
    answer = client.process_challenge(
        {"USERNAME": "alice", "USER_ID_FOR_SRP": "alice", "SALT": SALT,
         "SRP_B": f"{session.public_b:x}", "SECRET_BLOCK": block},
        {"USERNAME": "alice"},
    )  # fmt: skip
    expected = claim_signature(
        session.key, POOL_NAME, "alice", base64.b64decode(block), answer["TIMESTAMP"]
    )
    assert base64.b64decode(answer["PASSWORD_CLAIM_SIGNATURE"]) == expected


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Tue Sep 5 10:00:00 UTC 2023", "Tue Sep 5 10:00:00 UTC 2023"),
        ("Tue Sep 05 10:00:00 UTC 2023", "Tue Sep 5 10:00:00 UTC 2023"),
        ("Mon Sep 5 10:00:00 UTC 2023", "Tue Sep 5 10:00:00 UTC 2023"),
        ("Sun Dec 31 23:59:59 UTC 2023", "Sun Dec 31 23:59:59 UTC 2023"),
    ],
)
def test_a_timestamp_is_read_as_the_instant_it_names(given: str, canonical: str) -> None:
    assert canonical_timestamp(given) == canonical


@pytest.mark.parametrize(
    "given",
    ["2023-09-05T10:00:00Z", "Tue Sep 5 10:00:00 IST 2023", "Tue Sep 31 10:00:00 UTC 2023",
     "Tue Sep 5 25:00:00 UTC 2023", ""],
)  # fmt: skip
def test_a_timestamp_in_no_such_format_is_an_invalid_parameter(given: str) -> None:
    with pytest.raises(InvalidParameterException):
        canonical_timestamp(given)


@pytest.mark.parametrize("srp_a", ["zz", "", "0", f"{N:x}", "1" * 2000])
def test_a_public_value_that_is_none_is_refused(srp_a: str) -> None:
    with pytest.raises(InvalidParameterException):
        client_public_value(srp_a)


def _challenge(expires_at: float) -> Challenge:
    return Challenge(
        client_id="c", pool_name=POOL_NAME, username="alice", user_id_for_srp="alice",
        secret_block=b"block", key=b"k" * 16, moto_session="s", expires_at=expires_at,
    )  # fmt: skip


def test_a_challenge_answers_once_and_not_after_three_minutes() -> None:
    now = [1000.0]
    challenges = Challenges(clock=lambda: now[0])
    block = challenges.open(_challenge(challenges.new_expiry()))
    assert challenges.take(block).username == "alice"
    with pytest.raises(NotAuthorizedError):
        challenges.take(block)

    late = challenges.open(_challenge(challenges.new_expiry()))
    now[0] += SESSION_SECONDS
    with pytest.raises(NotAuthorizedError) as expired:
        challenges.take(late)
    assert EXPIRED in str(expired.value.description)
