"""A plain `pip install` of the project (no extras: no moto, no PyYAML) gives a `sniper` whose
`--help` and `--version` work, and whose `sniper local` says which extra it needs.

It builds a fresh virtual environment and installs from the package index (pip's cache serves
what was downloaded before), so it takes a while: marked `install` (deselect: -m "not install").
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _copy_project(target: Path) -> Path:
    # A copy, so building the wheel leaves nothing (build/, *.egg-info) in the work tree.
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT_ROOT / name, target / name)
    shutil.copytree(
        PROJECT_ROOT / "sniper",
        target / "sniper",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return target


def _run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.install
@pytest.mark.timeout(900)
def test_a_plain_install_has_a_working_sniper_help_and_version(tmp_path: Path) -> None:
    source = _copy_project(tmp_path / "project")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python, sniper = venv / "bin" / "python", venv / "bin" / "sniper"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(source)],
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert _run(python, "-c", "import moto").returncode != 0  # no extras came with it

    shown = _run(sniper, "--help")
    assert shown.returncode == 0, shown.stderr
    for words in ("login", "link-ebay", "add", "exit status", "--stack NAME"):
        assert words in shown.stdout
    assert _run(sniper, "add", "--help").returncode == 0

    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    told = _run(sniper, "--version")
    assert (told.returncode, told.stdout.strip()) == (0, f"sniper {version}")

    local = _run(sniper, "local")
    assert local.returncode == 2
    assert "pip install 'ebay-sniper[local]'" in local.stderr
