"""Finding eBay's contract files, and `make contracts` downloading them over real HTTP."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import contract_files, fetch_ebay_contracts
from tests.support.contract_files import PUBLISHED

OPENAPI = b"openapi: 3.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(contract_files.ENV_DIR, raising=False)
    return tmp_path / "cache" / "ebay-sniper" / "contracts"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server standing in for eBay's developer site: (base URL, its folder)."""
    root = tmp_path / "site"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield (
        f"http://127.0.0.1:{server.server_address[1]}/api-docs/master/",
        root / "api-docs" / "master",
    )
    server.shutdown()
    server.server_close()
    thread.join()


def _publish(folder: Path, body: bytes = OPENAPI) -> None:
    for path in PUBLISHED.values():
        if path is not None:
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(
                body.replace(b"openapi", b"asyncapi") if "asyncapi" in path else body
            )


def test_the_environment_comes_first_then_shared_then_the_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "mine"
    monkeypatch.setenv(contract_files.ENV_DIR, str(chosen))
    dirs = contract_files.search_dirs()
    assert dirs[0] == chosen and dirs[-1] == cache
    assert dirs[1] == contract_files.project_root().parent / "shared" / "contracts" / "ebay"
    # File by file: one found in the cache only is taken from there.
    cache.mkdir(parents=True)
    (cache / "only-cached.yaml").write_text("x")
    assert contract_files.find("only-cached.yaml") == cache / "only-cached.yaml"
    assert contract_files.find("nowhere.yaml") is None
    with pytest.raises(contract_files.ContractMissing, match="make contracts"):
        contract_files.require("nowhere.yaml")


def test_make_contracts_downloads_every_published_file(
    cache: Path,
    site: tuple[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base_url, folder = site
    _publish(folder)
    monkeypatch.setenv(contract_files.ENV_URL, base_url)
    assert fetch_ebay_contracts.main([]) == 0
    wanted = sorted(name for name, path in PUBLISHED.items() if path is not None)
    assert sorted(p.name for p in cache.iterdir()) == wanted  # no partial files left
    assert (cache / "offer.openapi.yaml").read_bytes() == OPENAPI
    assert "downloaded" in capsys.readouterr().out


def test_a_page_that_is_not_a_contract_is_refused(
    cache: Path, site: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, folder = site
    _publish(folder, b"<html>Access Denied</html>")
    monkeypatch.setenv(contract_files.ENV_URL, base_url)
    assert fetch_ebay_contracts.main([]) == 1
    assert not cache.exists() or not any(cache.glob("*.yaml"))


def test_offline_the_test_run_goes_on_and_says_why(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing listens on the discard port of loopback: refused at once, as offline.
    monkeypatch.setenv(contract_files.ENV_URL, "http://127.0.0.1:9/")
    monkeypatch.setattr(contract_files, "project_root", lambda: cache / "clone" / "x")
    assert fetch_ebay_contracts.main(["--if-missing"]) == 0
    said = capsys.readouterr().out
    assert "could not be downloaded" in said and "will skip" in said
    assert fetch_ebay_contracts.main([]) == 1


def test_with_every_file_found_nothing_is_fetched(
    cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache.mkdir(parents=True)
    for name, path in PUBLISHED.items():
        if path is not None:
            (cache / name).write_bytes(OPENAPI)
    monkeypatch.setenv(contract_files.ENV_URL, "http://127.0.0.1:9/")  # would fail if asked
    assert fetch_ebay_contracts.main(["--if-missing"]) == 0
    assert capsys.readouterr().out == ""


def test_the_summary_line_names_what_was_skipped_and_the_remedy(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contract_files, "_skipped_checks", contract_files.Counter())
    assert contract_files.summary_line(0) is None
    contract_files.note_skipped("offer.openapi.yaml")
    contract_files.note_skipped("offer.openapi.yaml")
    line = contract_files.summary_line(3)
    assert line is not None and "\n" not in line
    assert "3 tests" in line and "2 checks" in line and "offer.openapi.yaml" in line
    assert "make contracts" in line and str(cache) in line
