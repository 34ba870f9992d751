"""benchmarks/web.py's pure part: which scripts the first screen needs."""

from __future__ import annotations

from benchmarks.web import first_screen_files


def test_the_first_screen_is_the_entry_script_and_its_preloads_only() -> None:
    index = (
        '<script type="module" crossorigin src="/assets/index-abc.js"></script>'
        '<link rel="modulepreload" crossorigin href="/assets/vendor-def.js">'
        '<link rel="stylesheet" crossorigin href="/assets/index-123.css">'
    )
    assert first_screen_files(index) == ["assets/index-abc.js", "assets/vendor-def.js"]


def test_no_module_script_means_nothing_counted() -> None:
    assert first_screen_files("<html><body></body></html>") == []
