"""The SAM build: the makefile targets, the layer's lock, samconfig.toml, and `sam build` itself."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest

from sniper.devstack.local.template import Template
from tests.deploy.conftest import ROOT, requires_sam, sam_cli, sam_environment
from tests.deploy.lockfile import LOCK_FILE, lock_module

CHECKED_HASH = 0b11  # PEP 552 flags: hash-based, checked against the source
# "3.13": the functions' runtime as template.yaml names it (Runtime: python3.13).
RUNTIME_VERSION: str = lock_module().PYTHON_VERSION
CACHE_TAG = "cpython-" + RUNTIME_VERSION.replace(".", "")


def _pyc_flags(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[4:8], "little")


def _make(target: str, artifacts: Path, *, directory: Path = ROOT, dry_run: bool = False) -> None:
    command = ["make", "--no-print-directory", "-C", str(directory), target,
               f"ARTIFACTS_DIR={artifacts}"]  # fmt: skip
    if dry_run:
        command.insert(1, "-n")
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _assert_compiled(folder: Path) -> None:
    sources = list(folder.rglob("*.py"))
    assert sources
    tag = sys.implementation.cache_tag
    assert tag == CACHE_TAG, f"run the suite on Python {RUNTIME_VERSION} to check the bytecode"
    for source in sources:
        compiled = source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc"
        assert compiled.is_file(), f"{source} has no bytecode"
        assert _pyc_flags(compiled) == CHECKED_HASH, compiled


def test_every_function_and_the_layer_build_with_make(template: Template) -> None:
    for logical_id, resource in template.resources.items():
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion"):
            assert resource["Metadata"]["BuildMethod"] == "makefile", logical_id
    assert template.globals["CodeUri"] == "."


def test_the_makefile_has_a_build_target_per_function(template: Template, tmp_path: Path) -> None:
    for spec in template.functions():
        _make(f"build-{spec.logical_id}", tmp_path / spec.logical_id, dry_run=True)


def test_a_function_build_ships_the_compiled_package_only(tmp_path: Path) -> None:
    _make("build-BidExecutorFunction", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sniper"]
    package = tmp_path / "sniper"
    assert (package / "handlers" / "bid_executor.py").is_file()
    assert not (package / "devstack").exists() and not (package / "cli").exists()
    _assert_compiled(package)
    shipped = {p.relative_to(tmp_path) for p in package.rglob("*.py")}
    source = {p.relative_to(ROOT) for p in (ROOT / "sniper").rglob("*.py")}
    assert shipped == {p for p in source if p.parts[1] not in ("devstack", "cli")}


def test_the_layer_lock_pins_the_tested_versions_with_hashes() -> None:
    lock = lock_module()
    text = LOCK_FILE.read_text(encoding="utf-8")
    pinned = lock.parse_lock(text)
    assert pinned == lock.resolve(lock.runtime_requirements()), "run `make lock-layer`"
    assert text.count("--hash=sha256:") == len(pinned)
    # aioboto3 pins aiobotocore, which pins botocore: the runtime's own boto3 would not do.
    assert {"aioboto3", "aiobotocore", "botocore", "boto3", "aiohttp", "msgspec",
            "aws-lambda-powertools", "postmarker", "defusedxml"} <= set(pinned)  # fmt: skip


def test_the_layer_makefile_installs_the_lock_for_lambda() -> None:
    makefile = (ROOT / "layers" / "dependencies" / "Makefile").read_text(encoding="utf-8")
    flags = ("--require-hashes", "--no-deps", "--only-binary=:all:", "--platform $(PLATFORM)",
             "--python-version $(PYTHON_VERSION)", "--implementation cp",
             "--invalidation-mode checked-hash")  # fmt: skip
    for flag in flags:
        assert flag in makefile, flag
    assert f"PLATFORM := {lock_module().PLATFORM}" in makefile
    assert f"PYTHON_VERSION := {RUNTIME_VERSION}" in makefile


def test_one_python_version_everywhere(template: Template) -> None:
    """The runtime, the layer, the venv, the linters and the suite all use the same Python."""
    runtime = f"python{RUNTIME_VERSION}"
    assert template.globals["Runtime"] == runtime
    layer = template.resources["DependenciesLayer"]["Properties"]
    assert layer["CompatibleRuntimes"] == [runtime]
    for spec in template.resources.values():
        assert spec.get("Properties", {}).get("Runtime", runtime) == runtime
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"PYTHON_VERSION := {RUNTIME_VERSION}" in makefile
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["requires-python"].startswith(f">={RUNTIME_VERSION},")
    assert project["tool"]["ruff"]["target-version"] == "py" + RUNTIME_VERSION.replace(".", "")
    assert project["tool"]["mypy"]["python_version"] == RUNTIME_VERSION
    assert sys.version_info[:2] == tuple(int(part) for part in RUNTIME_VERSION.split("."))


def test_samconfig_has_the_guides_environments(template: Template) -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    assert config["version"] == 0.1
    allowed = template.parameters["Environment"]["AllowedValues"]
    for name in ("default", "dev", "staging", "prod"):
        deploy = config[name]["deploy"]["parameters"]
        environment = "dev" if name == "default" else name
        assert environment in allowed
        assert f"Environment={environment}" in deploy["parameter_overrides"]
        assert deploy["capabilities"] == "CAPABILITY_IAM"
        assert deploy["stack_name"].startswith("ebay-sniper")
        assert config[name]["build"]["parameters"]["build_in_source"] is True
    stacks = {
        config[name]["deploy"]["parameters"]["stack_name"] for name in config if name != "version"
    }
    assert len(stacks) == 4
    assert (
        "EbayEnvironment=production"
        in config["prod"]["deploy"]["parameters"]["parameter_overrides"]
    )


def _index_reachable() -> bool:
    """Can pip fetch a locked wheel for Lambda's platform (the layer build needs to)?"""
    lock = lock_module()
    version = lock.parse_lock(LOCK_FILE.read_text(encoding="utf-8"))["six"]
    with tempfile.TemporaryDirectory() as scratch:
        try:
            result = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--only-binary=:all:", "--platform", lock.PLATFORM,
                 "--python-version", RUNTIME_VERSION,
                 "--implementation", "cp", "--dest", scratch, f"six=={version}"],
                capture_output=True, timeout=30, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return False
    return result.returncode == 0


@pytest.mark.sam_build
@requires_sam
def test_sam_build_builds_every_function_and_the_layer(template: Template, tmp_path: Path) -> None:
    if not _index_reachable():
        pytest.skip("the package index is not reachable: the layer's pip install needs it")
    build = tmp_path / "build"
    result = subprocess.run(
        [str(sam_cli()), "build", "--build-dir", str(build), "--cache-dir", str(tmp_path / "cache"),
         "--template-file", str(ROOT / "template.yaml")],
        cwd=ROOT, capture_output=True, text=True, env=sam_environment(), timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    for spec in template.functions():
        handler = build / spec.logical_id / Path(*spec.module.split("."))
        assert handler.with_suffix(".py").is_file(), spec.logical_id
    site = build / "DependenciesLayer" / "python"
    # Compiled for Lambda (aarch64), not for the machine that built it.
    assert list(site.glob(f"aiohttp/*.{CACHE_TAG}-aarch64-linux-gnu.so"))
    assert not list(site.rglob("*x86_64*.so"))
    _assert_compiled(site / "msgspec")
    _assert_compiled(site / "aioboto3")
    assert not (site / "bin").exists()


def test_the_license_file_is_the_one_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert declared["license"] == {"text": "MIT"}
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
