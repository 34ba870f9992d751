"""What the services need from the outside, as Protocols: the stores (DynamoDB's repositories in
sniper/storage), eBay's reads (sniper/ebay) and the other outside systems.

Declared here, on the services' side, so a service names what it uses without importing the
adapter that provides it, and a test hands it an in-memory fake (tests/fakes) instead.
"""
