"""Identity API: who the linked eBay account is (getUser)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from sniper.ebay.endpoints import EbayEndpoints
from sniper.ebay.errors import MalformedResponse, decode_json

if TYPE_CHECKING:
    from sniper.ebay.transport import EbayTransport


class EbayUser(msgspec.Struct, frozen=True, kw_only=True):
    username: str
    user_id: str | None  # immutable, unlike the username


class _UserResponse(msgspec.Struct, rename="camel"):
    username: str | None = None
    user_id: str | None = None


_USER_DECODER = msgspec.json.Decoder(_UserResponse)


class IdentityApi:
    def __init__(self, http: EbayTransport, endpoints: EbayEndpoints) -> None:
        self._http = http
        self._endpoints = endpoints

    async def get_user(self, access_token: str) -> EbayUser:
        answer = await self._http.request(
            "identity",
            "GET",
            f"{self._endpoints.identity_base}/user/",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            retry_once=True,
        )
        raw = decode_json(_USER_DECODER, answer.body, "user")
        if not raw.username:
            raise MalformedResponse("eBay's getUser answer has no username")
        return EbayUser(username=raw.username, user_id=raw.user_id)
