"""eBay's Marketplace Account Deletion notices: the endpoint challenge, and signed notices.

eBay validates the endpoint with GET ?challenge_code=..., expecting hex(sha256(code + our
verification token + the endpoint URL)). A notice is a signed POST: X-EBAY-SIGNATURE is base64
JSON {alg, kid, signature, digest}; the signature is ECDSA over the raw body with the public key
eBay's Notification API serves for `kid`. A verified notice removes that eBay user's data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

import msgspec

from sniper.domain.errors import InvalidInput, SignatureInvalid
from sniper.ebay.errors import EbayRequestRejected
from sniper.services.account_removal import AccountRemoval
from sniper.services.ebay_public_keys import PublicKey
from sniper.services.ports.stores import UserStore

_PEM_ARMOUR = re.compile(r"-----(BEGIN|END) PUBLIC KEY-----")


def challenge_response(challenge_code: str, verification_token: str, endpoint: str) -> str:
    digest = hashlib.sha256()
    digest.update(challenge_code.encode())
    digest.update(verification_token.encode())
    digest.update(endpoint.encode())
    return digest.hexdigest()


class PublicKeySource(Protocol):
    async def get(self, kid: str) -> PublicKey: ...


class _Envelope(msgspec.Struct, frozen=True):
    alg: str
    kid: str
    signature: str
    digest: str


class _DeletionData(msgspec.Struct, frozen=True):
    username: str
    userId: str | None = None  # eBay's field names
    eiasToken: str | None = None


class _Notification(msgspec.Struct, frozen=True):
    data: _DeletionData
    notificationId: str = ""


class _Metadata(msgspec.Struct, frozen=True):
    topic: str = ""


class _Notice(msgspec.Struct, frozen=True):
    notification: _Notification
    metadata: _Metadata = _Metadata()


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_NOTICE = msgspec.json.Decoder(_Notice)


def _refused(why: str) -> SignatureInvalid:
    return SignatureInvalid(
        f"the notification signature was refused: {why}", field="X-EBAY-SIGNATURE"
    )


def _envelope(header: str | None) -> _Envelope:
    if not header:
        raise _refused("the header is missing")
    try:
        return _ENVELOPE.decode(base64.b64decode(header, validate=True))
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise _refused("the header is not base64 JSON {alg, kid, signature, digest}") from None


def _verify(key: PublicKey, envelope: _Envelope, body: bytes) -> None:
    # Imported here: only this route needs it, and the other API routes start faster without.
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    if envelope.alg.upper() != "ECDSA" or key.algorithm.upper() != "ECDSA":
        raise _refused(f"unsupported algorithm {envelope.alg!r}")
    algorithms = {"SHA1": hashes.SHA1(), "SHA256": hashes.SHA256()}  # noqa: S303 - eBay's choice
    digest = algorithms.get(envelope.digest.upper())
    if digest is None:
        raise _refused(f"unsupported digest {envelope.digest!r}")
    try:
        # eBay may send the PEM on one line; the DER inside the armour is what matters.
        der = base64.b64decode("".join(_PEM_ARMOUR.sub("", key.key).split()))
        public_key = load_der_public_key(der)
        signature = base64.b64decode(envelope.signature, validate=True)
    except (binascii.Error, ValueError):
        raise _refused("the key or signature is not readable") from None
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise _refused("the key is not an elliptic-curve key")
    try:
        public_key.verify(signature, body, ec.ECDSA(digest))
    except InvalidSignature:
        raise _refused("it does not match the body") from None


@dataclass(frozen=True, kw_only=True)
class AccountDeletionNotices:
    keys: PublicKeySource
    users: UserStore
    removal: AccountRemoval

    async def verify(self, header: str | None, body: bytes) -> None:
        envelope = _envelope(header)
        try:
            key = await self.keys.get(envelope.kid)
        except EbayRequestRejected:
            # eBay answered 4xx for this kid (unknown): whoever signed this, it was not eBay.
            raise _refused("eBay knows no key with this id") from None
        _verify(key, envelope, body)

    async def handle(self, header: str | None, body: bytes) -> list[str]:
        """Verify, then remove the named eBay user's data; returns our user ids affected."""
        await self.verify(header, body)
        try:
            notice = _NOTICE.decode(body)
        except msgspec.DecodeError as exc:
            raise InvalidInput(f"the notification is not readable: {exc}", field="body") from None
        user_ids = await self.users.ids_for_ebay_username(notice.notification.data.username)
        for user_id in user_ids:
            await self.removal.remove_ebay_data(user_id)
        return user_ids
