"""eBay clients: OAuth, Browse, Buy Offer, Trading watch list, Identity, and the executor's wire.

Deliberately empty: `sniper.ebay.wire`, `http1`, `errors`, `offer` and `endpoints` must import
without aiohttp (the bid executor's import time is benchmarked), so nothing is re-exported here.
Build the aiohttp-backed clients with `sniper.ebay.client.EbayClient`.
"""
