"""The token vault: users' eBay tokens encrypted with KMS, bound to the user they belong to.

Direct KMS encryption with the userId in the encryption context: a ciphertext stored for one
user cannot be decrypted as another's, even by code that holds the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from sniper.domain.errors import SniperError, UpstreamUnavailable

if TYPE_CHECKING:
    from types_aiobotocore_kms import KMSClient

_KMS_MAX_PLAINTEXT = 4096


class TokenUnreadable(SniperError):
    """The ciphertext does not decrypt for this user (tampered, or another user's)."""

    code = "token_unreadable"


class TokenVault:
    def __init__(self, kms: KMSClient, key_id: str) -> None:
        self.kms = kms
        self.key_id = key_id

    @staticmethod
    def _context(user_id: str) -> dict[str, str]:
        return {"userId": user_id, "purpose": "ebay-oauth-token"}

    async def seal(self, user_id: str, token: str) -> bytes:
        plaintext = token.encode()
        if len(plaintext) > _KMS_MAX_PLAINTEXT:
            raise ValueError("token is longer than KMS can encrypt directly")
        try:
            result = await self.kms.encrypt(
                KeyId=self.key_id, Plaintext=plaintext, EncryptionContext=self._context(user_id)
            )
        except (ClientError, BotoCoreError) as exc:
            raise UpstreamUnavailable("KMS could not encrypt the token") from exc
        return result["CiphertextBlob"]

    async def open(self, user_id: str, ciphertext: bytes) -> str:
        try:
            result = await self.kms.decrypt(
                KeyId=self.key_id,
                CiphertextBlob=ciphertext,
                EncryptionContext=self._context(user_id),
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("InvalidCiphertextException", "IncorrectKeyException"):
                raise TokenUnreadable("the stored token cannot be read for this user") from None
            raise UpstreamUnavailable(f"KMS could not decrypt the token ({code})") from exc
        except BotoCoreError as exc:
            raise UpstreamUnavailable("KMS is unreachable") from exc
        return result["Plaintext"].decode()
