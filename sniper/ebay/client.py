"""All eBay clients built from one set of endpoints, credentials and one shared transport."""

from __future__ import annotations

from sniper.ebay.browse import BrowseApi
from sniper.ebay.credentials import AppCredentials
from sniper.ebay.endpoints import EbayEndpoints
from sniper.ebay.identity import IdentityApi
from sniper.ebay.oauth import EbayOAuth
from sniper.ebay.offer import OfferApi
from sniper.ebay.trading import TradingApi
from sniper.ebay.transport import EbayTransport


class EbayClient:
    def __init__(
        self, endpoints: EbayEndpoints, credentials: AppCredentials, http: EbayTransport
    ) -> None:
        self.endpoints = endpoints
        self.http = http
        self.oauth = EbayOAuth(http, endpoints, credentials)
        self.browse = BrowseApi(http, endpoints, self.oauth)
        self.offer = OfferApi(http, endpoints)
        self.trading = TradingApi(http, endpoints)
        self.identity = IdentityApi(http, endpoints)

    async def close(self) -> None:
        await self.http.close()
