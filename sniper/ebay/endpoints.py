"""Where eBay lives: production, sandbox, or the local simulator. Only base URLs differ."""

from __future__ import annotations

import msgspec

# Paths below each base, exactly as eBay serves them (and as the simulator mirrors them).
TOKEN_PATH = "/identity/v1/oauth2/token"  # noqa: S105 - a path, not a secret
BROWSE_PATH = "/buy/browse/v1"
OFFER_PATH = "/buy/offer/v1_beta"
IDENTITY_PATH = "/commerce/identity/v1"


class EbayEndpoints(msgspec.Struct, frozen=True, kw_only=True):
    auth_url: str  # the consent page the user's browser is sent to
    api_base: str  # token endpoint, Browse, Offer
    apiz_base: str  # Identity
    trading_url: str  # Trading XML API (GetMyeBayBuying)

    @property
    def token_url(self) -> str:
        return self.api_base + TOKEN_PATH

    @property
    def browse_base(self) -> str:
        return self.api_base + BROWSE_PATH

    @property
    def identity_base(self) -> str:
        return self.apiz_base + IDENTITY_PATH


PRODUCTION = EbayEndpoints(
    auth_url="https://auth.ebay.com/oauth2/authorize",
    api_base="https://api.ebay.com",
    apiz_base="https://apiz.ebay.com",
    trading_url="https://api.ebay.com/ws/api.dll",
)

SANDBOX = EbayEndpoints(
    auth_url="https://auth.sandbox.ebay.com/oauth2/authorize",
    api_base="https://api.sandbox.ebay.com",
    apiz_base="https://apiz.sandbox.ebay.com",
    trading_url="https://api.sandbox.ebay.com/ws/api.dll",
)


def local_endpoints(base_url: str) -> EbayEndpoints:
    """Everything under one simulator URL, with eBay's own paths."""
    base = base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"simulator URL must start with http:// or https://, got {base_url!r}")
    return EbayEndpoints(
        auth_url=base + "/oauth2/authorize",
        api_base=base,
        apiz_base=base,
        trading_url=base + "/ws/api.dll",
    )


def endpoints_for(environment: str, local_base_url: str | None = None) -> EbayEndpoints:
    if environment == "production":
        return PRODUCTION
    if environment == "sandbox":
        return SANDBOX
    if environment == "local":
        if not local_base_url:
            raise ValueError("the local eBay environment needs the simulator's base URL")
        return local_endpoints(local_base_url)
    raise ValueError(f"unknown eBay environment {environment!r}; use production, sandbox or local")
