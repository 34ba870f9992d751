"""Shared fixtures: the local AWS (tests/fixtures/aws.py), the eBay simulator
(tests/fixtures/ebay.py), the whole local stack (tests/fixtures/stack.py), an HTTP client
(tests/fixtures/http.py), a Postmark sink (tests/fixtures/postmark.py)."""

pytest_plugins = [
    "tests.fixtures.aws",
    "tests.fixtures.ebay",
    "tests.fixtures.stack",
    "tests.fixtures.http",
    "tests.fixtures.postmark",
]
