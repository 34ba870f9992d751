"""web/scripts/deploy_web.py's pure parts: config.json from the stack's outputs, and the zip."""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[3] / "web" / "scripts" / "deploy_web.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_web", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OUTPUTS = {
    "ApiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com",
    "UserPoolId": "eu-west-1_Pool",
    "UserPoolClientId": "client123",
    "ScheduleLeadSeconds": "150",
    "AmplifyAppId": "d1x",
    "AmplifyBranchName": "main",
}


def test_config_json_is_made_from_the_stack_outputs() -> None:
    config = _script().app_config(OUTPUTS, "eu-west-1")
    assert config == {
        "apiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com",
        "region": "eu-west-1",
        "userPoolId": "eu-west-1_Pool",
        "userPoolClientId": "client123",
        "snipeTiming": {"leadSeconds": 150, "precisionSeconds": 60},
        "environment": "deployed",
    }
    # A deployed app signs in with SRP: no flow named, no local endpoint, no demo login.
    assert not {"signInFlow", "userPoolEndpoint", "demoLogin"} & set(config)


def test_the_zip_holds_the_build_and_the_new_config_only(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<html></html>")
    (tmp_path / "assets" / "index-abc.js").write_text("console")
    (tmp_path / "config.json").write_text('{"apiUrl": "http://127.0.0.1:3000"}')  # a local one
    archive = zipfile.ZipFile(io.BytesIO(_script().zipped(tmp_path, {"apiUrl": "https://x"})))
    assert sorted(archive.namelist()) == ["assets/index-abc.js", "config.json", "index.html"]
    assert json.loads(archive.read("config.json")) == {"apiUrl": "https://x"}
