"""Where eBay's contract files are, where eBay publishes them, and what to say when they are not.

Each file is looked for, in order, in: $SNIPER_CONTRACTS_DIR; `../shared/contracts/ebay` beside
the clone; the user's cache, where `make contracts` downloads eBay's published files. With none
of these (a plain clone, offline), only the checks that need a contract skip: each is noted
here, and the test run ends with one line saying what was skipped and how to get the files.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

ENV_DIR = "SNIPER_CONTRACTS_DIR"
ENV_URL = "EBAY_CONTRACTS_URL"
# eBay's published OpenAPI/AsyncAPI documents, under https://developer.ebay.com/api-docs/master/
# (the Buy Offer file is linked from its API reference; the others follow the same layout).
DEFAULT_BASE_URL = "https://developer.ebay.com/api-docs/master/"
PUBLISHED: dict[str, str | None] = {
    "offer.openapi.yaml": "buy/offer/openapi/3/buy_offer_v1_beta_oas3.yaml",
    "browse.openapi.yaml": "buy/browse/openapi/3/buy_browse_v1_oas3.yaml",
    "identity.openapi.yaml": "commerce/identity/openapi/3/commerce_identity_v1_oas3.yaml",
    "marketplace-account-deletion.asyncapi.yaml": (
        "commerce/notification/asyncapi/marketplace_account_deletion.yaml"
    ),
    # Shown on eBay's notification pages but not published at a stable address; no test needs it.
    "authorization-revocation.asyncapi.yaml": None,
}
HOW_TO_GET = "`make contracts` downloads eBay's published files; or set SNIPER_CONTRACTS_DIR"
MISSING = "eBay contract not found"

_skipped_checks: Counter[str] = Counter()


def project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ebay-sniper" / "contracts"


def search_dirs() -> list[Path]:
    found = [Path(os.environ[ENV_DIR])] if os.environ.get(ENV_DIR) else []
    return [*found, project_root().parent / "shared" / "contracts" / "ebay", cache_dir()]


def find(name: str) -> Path | None:
    return next((d / name for d in search_dirs() if (d / name).is_file()), None)


class ContractMissing(Exception):
    """A check needs a contract file that is in none of the places searched."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{MISSING}: {name} ({HOW_TO_GET})")
        self.name = name


def require(name: str) -> Path:
    path = find(name)
    if path is None:
        raise ContractMissing(name)
    return path


def note_skipped(name: str) -> None:
    """A check inside a test was skipped for want of this contract (the test itself went on)."""
    _skipped_checks[name] += 1


def skip_reason(name: str) -> str:
    return f"{MISSING}: {name} ({HOW_TO_GET})"


def summary_line(skipped_tests: int) -> str | None:
    """The one line a test run ends with when contract checks were skipped."""
    if not skipped_tests and not _skipped_checks:
        return None
    names = ", ".join(sorted(_skipped_checks)) or "see the skipped tests"
    places = ", ".join(str(d) for d in search_dirs())
    return (
        f"eBay contract checks skipped (eBay's contract files not found in {places}): "
        f"{skipped_tests} tests, "
        f"and {sum(_skipped_checks.values())} checks inside tests that otherwise ran ({names}). "
        f"To run them: {HOW_TO_GET}."
    )
