"""Download eBay's published contract files into the user's cache (`make contracts`).

    python -m tests.support.fetch_ebay_contracts [--if-missing]

From EBAY_CONTRACTS_URL (default: eBay's developer site), each file named in
contract_files.PUBLISHED, checked to be an OpenAPI/AsyncAPI YAML document, written atomically
under the cache the tests search. `--if-missing` (what `make test` runs) does nothing when every
file is found already, and never fails: offline, the contract checks skip and the run says so.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from tests.support.contract_files import (
    DEFAULT_BASE_URL,
    ENV_URL,
    PUBLISHED,
    cache_dir,
    find,
)

TIMEOUT_S = 15


class DownloadFailed(Exception):
    pass


def _fetch(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise DownloadFailed(f"{url}: not an http(s) URL")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as answer:  # noqa: S310 - checked above
            body: bytes = answer.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DownloadFailed(f"{url}: {exc}") from None
    try:
        document = yaml.safe_load(body)
    except yaml.YAMLError:
        document = None
    if not isinstance(document, dict) or not ({"openapi", "asyncapi"} & set(document)):
        raise DownloadFailed(f"{url}: not an OpenAPI or AsyncAPI document")
    return body


def download(base_url: str, target: Path) -> list[str]:
    """Every published file into `target`; returns their names. Stops at the first failure."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, path in PUBLISHED.items():
        if path is None:
            continue
        body = _fetch(base_url.rstrip("/") + "/" + path)
        partial = target / f".{name}.part"
        partial.write_bytes(body)
        partial.replace(target / name)
        written.append(name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--if-missing", action="store_true")
    args = parser.parse_args(argv)
    wanted = [name for name, path in PUBLISHED.items() if path is not None]
    if args.if_missing and all(find(name) for name in wanted):
        return 0
    base_url = os.environ.get(ENV_URL) or DEFAULT_BASE_URL
    try:
        written = download(base_url, cache_dir())
    except DownloadFailed as failure:
        print(f"eBay's contracts could not be downloaded ({failure}); ", end="")
        if args.if_missing:
            print("the tests that need them will skip and say so.")
            return 0
        print("try again online, or set SNIPER_CONTRACTS_DIR to a folder that has them.")
        return 1
    print(f"downloaded {', '.join(written)} into {cache_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
