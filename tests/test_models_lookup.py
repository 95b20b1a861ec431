"""Model lookup order (flag, CALLCOACH_MODEL, settings, installed folder) and the clear
one-sentence errors for missing or corrupt models, through the API and the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models.errors import ModelError
from models.lookup import resolve_model_path
from models.verify import layout_problems, verify_model

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.asr
pytest_plugins = ("tests.model_fixtures",)


def _copy(model_path: Path, dest: Path) -> Path:
    shutil.copytree(model_path, dest)
    for p in (dest, *dest.rglob("*")):
        p.chmod(p.stat().st_mode | 0o200)
    return dest


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_lookup_order_flag_env_settings_installed(
    isolated_models: Path, model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = _copy(model_path, isolated_models / "vosk-model-small-en-us-0.15")
    assert resolve_model_path(None) == installed
    configured = _copy(model_path, tmp_path / "from-settings")
    settings = tmp_path / "config" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"model_path": str(configured), "default_region": "US"}))
    assert resolve_model_path(None) == configured
    monkeypatch.setenv("CALLCOACH_MODEL", str(model_path))
    assert resolve_model_path(None) == model_path
    flagged = _copy(model_path, tmp_path / "from-flag")
    assert resolve_model_path(str(flagged)) == flagged
    # a bare name on the flag means an installed model
    assert resolve_model_path("vosk-model-small-en-us-0.15") == installed


def test_a_broken_source_is_an_error_not_skipped(
    isolated_models: Path, model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _copy(model_path, isolated_models / "vosk-model-small-en-us-0.15")
    monkeypatch.setenv("CALLCOACH_MODEL", str(tmp_path / "nowhere"))
    with pytest.raises(ModelError, match="CALLCOACH_MODEL environment variable"):
        resolve_model_path(None)
    with pytest.raises(ModelError, match="--model flag"):
        resolve_model_path(str(tmp_path / "also-nowhere"))


def test_corrupt_model_folder_gives_one_sentence_saying_what_to_run(
    model_path: Path, tmp_path: Path
) -> None:
    broken = _copy(model_path, tmp_path / "broken")
    (broken / "am" / "final.mdl").unlink()
    assert layout_problems(broken) == ["am/final.mdl is missing"]
    with pytest.raises(ModelError) as err:
        resolve_model_path(str(broken))
    text = str(err.value)
    assert "am/final.mdl is missing" in text and "models install" in text
    assert text.count(". ") == 0 and "\n" not in text  # one sentence
    truncated = _copy(model_path, tmp_path / "truncated")
    mdl = truncated / "am" / "final.mdl"
    mdl.write_bytes(mdl.read_bytes()[:4096])
    assert layout_problems(truncated) == []  # looks fine, only loading finds it
    with pytest.raises(ModelError, match="is corrupt .*models install"):
        verify_model(truncated)
    assert verify_model(model_path) == model_path


def test_cli_verify_and_list(isolated_models: Path, model_path: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CALLCOACH_MODEL"}
    ok = _run("models", "verify", str(model_path), env=env)
    assert ok.returncode == 0 and "loads" in ok.stdout
    broken = _copy(model_path, tmp_path / "broken")
    next((broken / "graph").glob("*.fst")).write_bytes(b"\0" * 2048)
    bad = _run("models", "verify", str(broken), env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().startswith(f"The speech model at {broken} is corrupt")
    none = _run("models", "verify", env=env)
    assert none.returncode == 2
    assert "No speech model is installed: run `python main.py models install" in none.stderr
    listed = json.loads(_run("models", "list", "--json", env=env).stdout)
    assert listed["active"] is None and listed["models_dir"] == str(isolated_models)
    assert any(e["name"] == "vosk-model-small-en-us-0.15" for e in listed["catalog"])
    env["CALLCOACH_MODEL"] = str(model_path)
    listed = json.loads(_run("models", "list", "--json", env=env).stdout)
    assert listed["active"] == str(model_path)
