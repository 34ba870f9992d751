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
from sniper.ebay.wire import WarmConnection


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

    def warm_connection(self, *, response_timeout_s: float = 10.0) -> WarmConnection:
        """A keep-alive connection to the Offer API's origin, for the executor's bid."""
        return WarmConnection(self.endpoints.api_base, response_timeout_s=response_timeout_s)

    async def close(self) -> None:
        await self.http.close()
