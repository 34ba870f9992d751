"""eBay's notification signature: ECDSA (P-256) over the body with SHA1, in X-EBAY-SIGNATURE.

The key pair is generated on first use only, so a simulator that never notifies pays nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey


class NotificationSigner:
    def __init__(self) -> None:
        self.kid = secrets.token_hex(16)

    @cached_property
    def _private_key(self) -> EllipticCurvePrivateKey:
        from cryptography.hazmat.primitives.asymmetric import ec

        return ec.generate_private_key(ec.SECP256R1())

    @property
    def public_key_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        pem = self._private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def signature_header(self, body: bytes) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        der = self._private_key.sign(body, ec.ECDSA(hashes.SHA1()))  # noqa: S303 - eBay's choice
        envelope = {
            "alg": "ECDSA",
            "kid": self.kid,
            "signature": base64.b64encode(der).decode("ascii"),
            "digest": "SHA1",
        }
        return base64.b64encode(json.dumps(envelope).encode()).decode("ascii")


def challenge_response(challenge_code: str, verification_token: str, endpoint: str) -> str:
    """What an endpoint must answer to eBay's challenge: hex SHA-256 of code + token + endpoint."""
    digest = hashlib.sha256()
    digest.update(challenge_code.encode())
    digest.update(verification_token.encode())
    digest.update(endpoint.encode())
    return digest.hexdigest()
