"""Which applications eBay has approved for the Buy Offer API, a Limited Release API.

eBay approves an application (its keyset, its client id) for bidding case by case; until then
its calls to getBidding and placeProxyBid are refused with 403 errorId 1100, while OAuth,
Identity, Browse and Trading work as usual. The simulator plays either side: approved by
default (SimConfig.bidding_approved), changed at run time for all applications or for one.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class BiddingApproval:
    default: bool = True
    by_client: dict[str, bool] = field(default_factory=dict)

    def allows(self, client_id: str | None) -> bool:
        """A token issued to no application in particular (the admin API's) follows the default."""
        if client_id is not None and client_id in self.by_client:
            return self.by_client[client_id]
        return self.default

    def set(self, approved: bool, client_id: str | None = None) -> None:
        """One application's approval, or everyone's (which forgets the per-application ones)."""
        if client_id is None:
            self.default = approved
            self.by_client.clear()
        else:
            self.by_client[client_id] = approved
