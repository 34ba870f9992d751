"""Shared fixtures: the local AWS (tests/fixtures/aws.py), the eBay simulator (tests/fixtures/ebay.py),
the whole local stack (tests/fixtures/stack.py), an HTTP client (tests/fixtures/http.py)."""

pytest_plugins = [
    "tests.fixtures.aws",
    "tests.fixtures.ebay",
    "tests.fixtures.stack",
    "tests.fixtures.http",
]
