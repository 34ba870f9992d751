"""Shared fixtures: the local AWS (tests/fixtures/aws.py), the eBay simulator (tests/fixtures/ebay.py)."""

pytest_plugins = ["tests.fixtures.aws", "tests.fixtures.ebay"]
