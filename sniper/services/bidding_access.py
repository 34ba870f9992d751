"""May this application bid? A read-only getBidding on an auction the user watches.

eBay's Buy Offer API is a Limited Release API: until eBay approves the application, its calls
are refused with 403 errorId 1100 (sniper.ebay.errors.ACCESS_DENIED), whoever the user is. A
fresh grant carries the bidding scope, so that refusal is the application's. Any answer from the
Offer API itself (the bidding, "no bidding activity", "no such item") proves eBay let the call
through. getBidding only reads: nothing is bid, nothing changes on eBay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sniper.clock import SYSTEM_CLOCK, Clock, now_ms
from sniper.domain.errors import SniperError
from sniper.domain.user import BiddingAccess, BiddingCheck
from sniper.ebay.errors import EbayAppNotApproved, OfferRejected
from sniper.services.ports.ebay import BiddingReader, WatchListReader

log = logging.getLogger(__name__)

# The watch list is read on eBay US and the auction asked about there: the answer is about the
# application, the same on every marketplace.
PROBE_MARKETPLACE = "EBAY_US"
_WATCHED = 25


@dataclass(frozen=True, kw_only=True)
class BiddingAccessProbe:
    watch_list: WatchListReader
    offer: BiddingReader
    clock: Clock = SYSTEM_CLOCK
    marketplace_id: str = PROBE_MARKETPLACE

    async def check(self, access_token: str) -> BiddingCheck:
        """GRANTED or DENIED when eBay said so; UNKNOWN, with the reason, when it could not."""
        try:
            watched = await self.watch_list.watch_list(
                access_token, self.marketplace_id, entries_per_page=_WATCHED
            )
        except SniperError as error:
            log.warning("bidding access check: watch list unreadable (%s)", error.code)
            return self._result(
                BiddingAccess.UNKNOWN, None, "your eBay watch list could not be read"
            )
        auction = next((item for item in watched if item.is_auction), None)
        if auction is None:
            return self._result(
                BiddingAccess.UNKNOWN, None, "your eBay watch list has no auction to ask about"
            )
        try:
            await self.offer.get_bidding(access_token, auction.item_id, self.marketplace_id)
        except EbayAppNotApproved:
            return self._result(BiddingAccess.DENIED, auction.item_id)
        except OfferRejected:
            pass  # the Offer API itself answered: eBay let the call through
        except SniperError as error:
            log.warning("bidding access check: getBidding failed (%s)", error.code)
            return self._result(
                BiddingAccess.UNKNOWN, auction.item_id, "eBay did not answer the check"
            )
        return self._result(BiddingAccess.GRANTED, auction.item_id)

    def _result(
        self, access: BiddingAccess, item_id: str | None, detail: str | None = None
    ) -> BiddingCheck:
        log.info("bidding access check: %s", access.value)
        return BiddingCheck(
            access=access, checked_ms=now_ms(self.clock), item_id=item_id, detail=detail
        )
