"""eBay's Notification API getPublicKey: the key a notification's signature is checked with.

Keys are fetched with an application token and kept for the life of the container: eBay's
key ids are stable, and a notification names the one it was signed with.
"""

from __future__ import annotations

import msgspec

from sniper.ebay.endpoints import EbayEndpoints
from sniper.ebay.errors import decode_json
from sniper.ebay.oauth import EbayOAuth
from sniper.ebay.transport import EbayTransport

PUBLIC_KEY_PATH = "/commerce/notification/v1/public_key/"


class PublicKey(msgspec.Struct, frozen=True, kw_only=True):
    algorithm: str  # ECDSA
    digest: str  # SHA1
    key: str  # PEM (eBay sometimes sends it on one line)


_DECODER = msgspec.json.Decoder(PublicKey)


class EbayPublicKeys:
    def __init__(self, http: EbayTransport, endpoints: EbayEndpoints, oauth: EbayOAuth) -> None:
        self._http = http
        self._endpoints = endpoints
        self._oauth = oauth
        self._cache: dict[str, PublicKey] = {}

    async def get(self, kid: str) -> PublicKey:
        cached = self._cache.get(kid)
        if cached is not None:
            return cached
        token = await self._oauth.app_token()
        answer = await self._http.request(
            # The transport's error typing has no Notification family; Identity's generic
            # mapping (401/403/404/5xx) is the one that fits.
            "identity",
            "GET",
            self._endpoints.api_base + PUBLIC_KEY_PATH + kid,
            headers={"Authorization": f"Bearer {token.access_token}", "Accept": "application/json"},
            retry_once=True,
        )
        key = decode_json(_DECODER, answer.body, "public key")
        self._cache[kid] = key
        return key
