"""Regenerate `requirements.txt` beside this file: the layer's runtime dependencies, locked.

The versions are the ones installed in the environment that runs this script (the project's
.venv, where the test suite passed), not whatever the index offers today. The hashes are those
of the wheels for the functions' platform (Lambda's python3.13 on arm64), fetched with pip, so
`pip install --require-hashes` in the layer build installs exactly the files locked here.

    .venv/bin/python layers/dependencies/lock.py        # or: make lock-layer
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

HERE = Path(__file__).resolve().parent
PYPROJECT = HERE.parents[1] / "pyproject.toml"
TEMPLATE = HERE.parents[1] / "template.yaml"
OUTPUT = HERE / "requirements.txt"


def lambda_python_version() -> str:
    """The runtime version ("3.13") from template.yaml: the one place the runtime is named."""
    found = set(re.findall(r"^\s+Runtime:\s*python(\d+\.\d+)\s*$", TEMPLATE.read_text(), re.M))
    if len(found) != 1:
        sys.exit(f"template.yaml should name one python runtime, not {sorted(found) or 'none'}")
    return found.pop()


# Lambda's python3.13 runs on Amazon Linux 2023 (glibc 2.34) on arm64 (Architectures: [arm64]).
# manylinux2014 (glibc 2.17) wheels run there, and every locked package publishes one; a single
# tag, because pip's --platform takes the tags given and no older ones.
PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = lambda_python_version()
# The marker environment of that runtime, for the dependencies' environment markers.
TARGET = {
    "implementation_name": "cpython",
    "implementation_version": f"{PYTHON_VERSION}.0",
    "os_name": "posix",
    "platform_machine": "aarch64",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Linux",
    "platform_version": "",
    "python_full_version": f"{PYTHON_VERSION}.0",
    "python_version": PYTHON_VERSION,
    "sys_platform": "linux",
}


def runtime_requirements() -> list[Requirement]:
    """The project's dependencies less those only the `sniper` command needs (tool.sniper)."""
    pyproject = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    cli_only = {
        canonicalize_name(name)
        for name in pyproject.get("tool", {}).get("sniper", {}).get("cli-only-dependencies", [])
    }
    requirements = [Requirement(text) for text in pyproject["project"]["dependencies"]]
    return [req for req in requirements if canonicalize_name(req.name) not in cli_only]


def applies(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    marker: Marker = requirement.marker
    return any(marker.evaluate({**TARGET, "extra": extra}) for extra in extras or {""})


def resolve(roots: list[Requirement]) -> dict[str, str]:
    """Every distribution the roots need on the target, at its installed version."""
    pinned: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    pending: list[tuple[Requirement, set[str]]] = [(req, {""}) for req in roots]
    while pending:
        requirement, parent_extras = pending.pop()
        if not applies(requirement, parent_extras):
            continue
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            sys.exit(f"{name} is needed at run time but not installed here; run `make venv` first")
        if not requirement.specifier.contains(dist.version, prereleases=True):
            sys.exit(f"installed {name} {dist.version} does not satisfy {requirement}")
        pinned[name] = dist.version
        extras = {""} | set(requirement.extras)
        pending.extend((Requirement(text), extras) for text in dist.requires or [])
    return dict(sorted(pinned.items()))


def wheel_hashes(pins: dict[str, str]) -> dict[str, str]:
    """sha256 of the target-platform wheel of each pin, downloaded by pip (its configured index)."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        wanted = folder / "pins.txt"
        wanted.write_text("".join(f"{name}=={version}\n" for name, version in pins.items()))
        subprocess.run(  # noqa: S603 - fixed argument list, our own interpreter
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--platform", PLATFORM, "--python-version", PYTHON_VERSION,
             "--implementation", "cp", "--dest", str(folder / "wheels"), "-r", str(wanted)],
            check=True,
        )  # fmt: skip
        hashes: dict[str, str] = {}
        for wheel in sorted((folder / "wheels").glob("*.whl")):
            name = canonicalize_name(parse_wheel_filename(wheel.name)[0])
            hashes[name] = hashlib.sha256(wheel.read_bytes()).hexdigest()
    missing = sorted(set(pins) - set(hashes))
    if missing:
        sys.exit(f"no {PLATFORM} wheel downloaded for: {', '.join(missing)}")
    return hashes


def render(pins: dict[str, str], hashes: dict[str, str]) -> str:
    lines = [
        "# The dependencies layer's lock: runtime dependencies of `sniper` and everything they",
        f"# need on Lambda (python{PYTHON_VERSION}, {PLATFORM}), at the versions the test suite ran.",
        "# Generated by layers/dependencies/lock.py (make lock-layer); do not edit by hand.",
    ]
    for name, version in pins.items():
        lines.append(f"{name}=={version} \\\n    --hash=sha256:{hashes[name]}")
    return "\n".join(lines) + "\n"


def parse_lock(text: str) -> dict[str, str]:
    """name -> version of a lock written by `render` (the tests read it back)."""
    return {
        canonicalize_name(match[1]): match[2]
        for match in re.finditer(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.MULTILINE)
    }


def main() -> None:
    pins = resolve(runtime_requirements())
    OUTPUT.write_text(render(pins, wheel_hashes(pins)), encoding="utf-8")
    print(f"locked {len(pins)} distributions in {OUTPUT.relative_to(Path.cwd())}")  # noqa: T201


if __name__ == "__main__":
    main()
