"""Cognito's USER_SRP_AUTH, locally: moto's user pool made to check the password proof.

moto answers `InitiateAuth` (USER_SRP_AUTH) with a random SALT and SRP_B and takes any
PASSWORD_CLAIM_SIGNATURE, so any password "signs in" by SRP. Cognito runs SRP-6a (3072-bit
group, SHA-256) and refuses a wrong password. Here the local pool does what Cognito does:

- InitiateAuth, USER_SRP_AUTH: moto's own checks run first (the client, its secret hash, the user
  exists, is enabled and is confirmed: an UNCONFIRMED user is refused with
  UserNotConfirmedException whatever the password, as Cognito does). The challenge is then
  Cognito's: SALT (stable for a user and password), SRP_B = k*v + g^b for the verifier v of the
  user's password (moto keeps the password, so the verifier is derived from it with the salt
  handed out), USERNAME, USER_ID_FOR_SRP (the user name; the sub in a pool whose users sign in
  with an email or phone number), an opaque base64 SECRET_BLOCK, and no Session.
- RespondToAuthChallenge, PASSWORD_VERIFIER: the signature must be
  base64(HMAC-SHA256(K, pool name + USER_ID_FOR_SRP + SECRET_BLOCK bytes + TIMESTAMP)), where
  K = HKDF(S, u) and "pool name" is the part of the pool id after the region. Cognito reads the
  TIMESTAMP ("EEE MMM d HH:mm:ss UTC yyyy", English, day not padded) and verifies against that
  instant written canonically, so a client that pads the day ("Sep 05") or names the wrong
  weekday is refused like a wrong password: NotAuthorizedException "Incorrect username or
  password.". A TIMESTAMP in no such format is an InvalidParameterException. A secret block
  answers once, within three minutes (Cognito's default authentication session), and only for
  the app client that asked. Once the proof holds, moto carries on as before: a
  FORCE_CHANGE_PASSWORD user gets NEW_PASSWORD_REQUIRED, an MFA user its MFA challenge, anyone
  else tokens.

Why wrap moto's backend rather than put a proxy in front: the verifier needs the user's password,
which only moto's backend holds, in this process (ThreadedMotoServer); a proxy would need the same
access and would add an HTTP hop to every AWS call the local stack makes. The wrap goes on moto's
Cognito backend class, once per process (moto's state is per process too).

The group (N, g), k, u, the padding and the HKDF are pycognito's (`aws_srp`), the same math
Cognito's own clients use; only the server's half (v, B, S) is written here.

Not modelled: Cognito's tolerance of clock skew in TIMESTAMP, device SRP, USER_SRP_AUTH through
AdminInitiateAuth, and sign-in by an alias attribute (moto resolves UsernameAttributes only).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend
from pycognito.aws_srp import (
    G_HEX,
    N_HEX,
    calculate_u,
    compute_hkdf,
    hash_sha256,
    hex_hash,
    hex_to_long,
    long_to_hex,
    pad_hex,
)

N: Final[int] = hex_to_long(N_HEX)
G: Final[int] = hex_to_long(G_HEX)
# k = H(N | g), each padded as Cognito's clients pad them.
K: Final[int] = hex_to_long(hex_hash("00" + N_HEX + "0" + G_HEX))

INCORRECT: Final = "Incorrect username or password."
EXPIRED: Final = "Invalid session for the user, session is expired."
TIMESTAMP_FORMAT: Final = "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."
SESSION_SECONDS: Final = 180.0
# An SRP_A longer than the modulus is no public value; refuse it before any arithmetic.
_MAX_PUBLIC_HEX: Final = len(N_HEX) + 2

_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip
_TIMESTAMP: Final = re.compile(
    rf"({'|'.join(_WEEKDAYS)}) ({'|'.join(_MONTHS)}) ([0-9]{{1,2}}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) UTC ([0-9]{4})"
)
_INSTALLED: Final = "_sniper_srp_installed"


# ---------------------------------------------------------------- the server's half of SRP-6a


def password_verifier(pool_name: str, user_id: str, password: str, salt_hex: str) -> int:
    """v = g^x, x = H(salt | H(pool name | user id | ":" | password)), as clients derive x."""
    identity_hash = hash_sha256(f"{pool_name}{user_id}:{password}".encode())
    x = hex_to_long(hex_hash(pad_hex(salt_hex) + identity_hash))
    return int(pow(G, x, N))


@dataclass(frozen=True)
class ServerSession:
    """One challenge's server values: B to send, and the key the client must prove it holds."""

    public_b: int
    key: bytes


def server_session(client_public_a: int, verifier: int) -> ServerSession:
    """B = k*v + g^b; S = (A * v^u)^b; key = HKDF(S, u), for a fresh secret b."""
    while True:
        b = secrets.randbelow(N - 2) + 1
        public_b = (K * verifier + pow(G, b, N)) % N
        u = int(calculate_u(client_public_a, public_b))
        if public_b == 0 or u == 0:
            continue  # as likely as guessing b; draw again
        shared = pow(client_public_a * pow(verifier, u, N), b, N)
        key = compute_hkdf(bytes.fromhex(pad_hex(shared)), bytes.fromhex(pad_hex(long_to_hex(u))))
        return ServerSession(public_b=public_b, key=bytes(key))


def claim_signature(
    key: bytes, pool_name: str, user_id: str, secret_block: bytes, timestamp: str
) -> bytes:
    message = pool_name.encode() + user_id.encode() + secret_block + timestamp.encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def canonical_timestamp(text: str) -> str:
    """The instant a TIMESTAMP names, written as Cognito writes it (weekday of that date, day not
    padded). InvalidParameterException when it is not in Cognito's format at all."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise InvalidParameterException(TIMESTAMP_FORMAT)
    _, month, day, hour, minute, second, year = match.groups()
    try:
        moment = datetime(
            int(year),
            _MONTHS.index(month) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=UTC,
        )
    except ValueError:
        raise InvalidParameterException(TIMESTAMP_FORMAT) from None
    return f"{_WEEKDAYS[moment.weekday()]} {month} {moment.day} {moment:%H:%M:%S} UTC {moment.year}"


def client_public_value(srp_a: str) -> int:
    """SRP_A as a number; a value that is not hex, too long, or 0 mod N is refused."""
    if len(srp_a) > _MAX_PUBLIC_HEX:
        raise InvalidParameterException("SRP_A is not a valid SRP public value.")
    try:
        value = int(srp_a, 16)
    except ValueError:
        raise InvalidParameterException("SRP_A is not a valid SRP public value.") from None
    if value % N == 0:
        raise InvalidParameterException("SRP_A is not a valid SRP public value.")
    return value


# ---------------------------------------------------------------- open challenges


@dataclass(frozen=True)
class Challenge:
    client_id: str
    pool_name: str
    username: str
    user_id_for_srp: str
    secret_block: bytes
    key: bytes
    moto_session: str  # moto's own session for the user, carried on once the proof holds
    expires_at: float


class Challenges:
    """Challenges handed out and not yet answered, by SECRET_BLOCK; each answers once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._open: dict[str, Challenge] = {}
        self._lock = threading.Lock()  # moto serves requests on several threads

    def open(self, challenge: Challenge) -> str:
        block = base64.standard_b64encode(challenge.secret_block).decode()
        with self._lock:
            now = self._clock()
            self._open = {k: c for k, c in self._open.items() if c.expires_at > now}
            self._open[block] = challenge
        return block

    def take(self, block: str) -> Challenge:
        with self._lock:
            challenge = self._open.pop(block, None)
        if challenge is None:
            raise NotAuthorizedError(INCORRECT)
        if challenge.expires_at <= self._clock():
            raise NotAuthorizedError(EXPIRED)
        return challenge

    def new_expiry(self) -> float:
        return self._clock() + SESSION_SECONDS


# ---------------------------------------------------------------- moto's backend, wrapped


class SrpUserPools:
    """The two Cognito operations SRP goes through, done as Cognito does them (see above)."""

    def __init__(self, challenges: Challenges | None = None) -> None:
        self.challenges = challenges or Challenges()
        # Salts are derived, not stored: stable per user and password, unlinkable without this.
        self._salt_key = secrets.token_bytes(32)

    def challenge(
        self,
        backend: Any,
        client_id: str,
        auth_parameters: Mapping[str, str],
        moto_answer: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Cognito's PASSWORD_VERIFIER challenge in place of moto's random one."""
        pool = next(p for p in backend.user_pools.values() if client_id in p.clients)
        user = backend.admin_get_user(pool.id, moto_answer["ChallengeParameters"]["USERNAME"])
        public_a = client_public_value(auth_parameters.get("SRP_A") or "")
        pool_name = pool.id.split("_", 1)[1]
        by_attribute = bool(pool.extended_config.get("UsernameAttributes"))
        user_id_for_srp = user.id if by_attribute else user.username
        # A user without a password (moto allows it) can prove none: derive from a secret nobody has.
        password = user.password if user.password is not None else secrets.token_hex(32)
        salt = self._salt(pool.id, user.username, password)
        verifier = password_verifier(pool_name, user_id_for_srp, password, salt)
        session = server_session(public_a, verifier)
        block = self.challenges.open(
            Challenge(
                client_id=client_id,
                pool_name=pool_name,
                username=user.username,
                user_id_for_srp=user_id_for_srp,
                secret_block=secrets.token_bytes(64),
                key=session.key,
                moto_session=moto_answer["Session"],
                expires_at=self.challenges.new_expiry(),
            )
        )
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": {
                "SALT": salt,
                "SRP_B": long_to_hex(session.public_b),
                "SECRET_BLOCK": block,
                "USERNAME": user.username,
                "USER_ID_FOR_SRP": user_id_for_srp,
            },
        }

    def verified(self, client_id: str, responses: Mapping[str, str]) -> dict[str, str]:
        """The responses moto expects once the password claim holds; NotAuthorizedException if
        it does not."""
        challenge = self.challenges.take(responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or "")
        if challenge.client_id != client_id:
            raise NotAuthorizedError(INCORRECT)
        if responses.get("USERNAME") not in (challenge.username, challenge.user_id_for_srp):
            raise NotAuthorizedError(INCORRECT)
        timestamp = canonical_timestamp(responses.get("TIMESTAMP") or "")
        expected = claim_signature(
            challenge.key,
            challenge.pool_name,
            challenge.user_id_for_srp,
            challenge.secret_block,
            timestamp,
        )
        claimed = _base64(responses.get("PASSWORD_CLAIM_SIGNATURE") or "")
        if claimed is None or not hmac.compare_digest(expected, claimed):
            raise NotAuthorizedError(INCORRECT)
        # moto finds its session by the secret block it handed out, and the user by name.
        return {
            **responses,
            "PASSWORD_CLAIM_SECRET_BLOCK": challenge.moto_session,
            "USERNAME": challenge.username,
        }

    def _salt(self, pool_id: str, username: str, password: str) -> str:
        digest = hmac.new(
            self._salt_key, f"{pool_id}\0{username}\0{password}".encode(), hashlib.sha256
        ).digest()
        # Written as clients re-read it (a padded hex number), so every client hashes the same.
        return str(pad_hex(int.from_bytes(digest[:16], "big")))


def _base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def install() -> None:
    """Make moto's Cognito check SRP proofs, process-wide; a second call changes nothing."""
    if getattr(CognitoIdpBackend, _INSTALLED, False):
        return
    srp = SrpUserPools()
    initiate = CognitoIdpBackend.initiate_auth
    respond = CognitoIdpBackend.respond_to_auth_challenge

    def initiate_auth(
        self: Any, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> Any:
        answer = initiate(self, client_id, auth_flow, auth_parameters)
        if auth_flow != "USER_SRP_AUTH":
            return answer
        return srp.challenge(self, client_id, auth_parameters or {}, answer)

    def respond_to_auth_challenge(
        self: Any,
        session: str,
        client_id: str,
        challenge_name: str,
        challenge_responses: dict[str, str],
    ) -> Any:
        if challenge_name == "PASSWORD_VERIFIER":
            challenge_responses = srp.verified(client_id, challenge_responses or {})
        return respond(self, session, client_id, challenge_name, challenge_responses)

    setattr(CognitoIdpBackend, "initiate_auth", initiate_auth)  # noqa: B010 - moto's method
    setattr(CognitoIdpBackend, "respond_to_auth_challenge", respond_to_auth_challenge)  # noqa: B010
    setattr(CognitoIdpBackend, _INSTALLED, True)
