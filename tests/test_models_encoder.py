"""The sentence encoder as a managed model: catalog entry, install by name over real HTTP
(pinned revision, every file's SHA-256), from a folder or zip, verify, lookup order, and the
one sentence the coach shows when it has to run on its rules alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from coach.semantic.encoder import load_encoder
from models.catalog import find_encoder_entry, load_encoder_catalog
from models.encoder_files import ENCODER_FILES, verify_encoder
from models.errors import EncoderMissing, ModelError
from models.install import MANIFEST, sha256_of
from models.install_encoder import install_encoder
from models.lookup import find_encoder, installed_encoders
from models.program import command

ROOT = Path(__file__).resolve().parent.parent
REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
pytest_plugins = ("tests.model_fixtures",)


def visible_entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def one_sentence(text: str) -> bool:
    return text.count(". ") == 0 and "\n" not in text and text.endswith(".")


def _link_copy(src: Path, dst: Path) -> Path:
    """The encoder's files as symlinks (the 91 MB weights are not copied)."""
    dst.mkdir(parents=True)
    for name in os.listdir(src):
        if (src / name).is_file():
            os.symlink(src / name, dst / name)
    return dst


def _replace(folder: Path, name: str, data: bytes) -> None:
    (folder / name).unlink()
    (folder / name).write_bytes(data)


@pytest.fixture
def served(http_root: tuple[Path, str], encoder_path: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The encoder's files served at <base>/<org>/<model>/resolve/<revision>/, and a catalog
    whose repository points there: (the served folder, the catalog file)."""
    root, base = http_root
    files = _link_copy(encoder_path, root / "st" / "all-MiniLM-L6-v2" / "resolve" / REVISION)
    raw = json.loads((ROOT / "models" / "catalog.json").read_text(encoding="utf-8"))
    raw["encoders"][0]["repository"] = f"{base}/st/all-MiniLM-L6-v2"
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(raw), encoding="utf-8")
    return files, catalog


def test_catalog_pins_the_official_repository_revision_and_every_hash(encoder_path: Path) -> None:
    entry = find_encoder_entry("all-MiniLM-L6-v2")
    assert entry is not None and [e.name for e in load_encoder_catalog()] == ["all-MiniLM-L6-v2"]
    assert entry.revision == REVISION
    assert entry.url_for(entry.files[0]) == (
        f"https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/{REVISION}/"
        f"{entry.files[0].name}"
    )
    assert {f.name for f in entry.files} == set(ENCODER_FILES)
    for f in entry.files:  # the shared copy is the official one (shared/models/README.md)
        assert (encoder_path / f.name).stat().st_size == f.size
        assert sha256_of(encoder_path / f.name) == f.sha256


def test_install_by_name_downloads_checks_and_is_found(
    isolated_models: Path, served: tuple[Path, Path]
) -> None:
    _, catalog = served
    with pytest.raises(EncoderMissing) as err:
        find_encoder(None)
    assert one_sentence(str(err.value))
    assert str(err.value).startswith("The coach runs on its phrase rules alone because no")
    assert command("models install all-MiniLM-L6-v2") in str(err.value)  # as started
    seen: list[tuple[int, int | None]] = []
    path = install_encoder(
        "all-MiniLM-L6-v2", catalog_path=catalog, progress=lambda d, t: seen.append((d, t))
    )
    assert path == isolated_models / "all-MiniLM-L6-v2"
    assert visible_entries(isolated_models) == [path.name]  # no staging folder left
    assert find_encoder(None) == path and installed_encoders() == [path]
    total = sum(f.size for f in load_encoder_catalog()[0].files)
    assert seen[-1] == (total, total)
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["revision"] == REVISION and len(manifest["sha256"]) == 3
    assert verify_encoder(path) == path
    with pytest.raises(ModelError, match="already installed.*--force"):
        install_encoder("all-MiniLM-L6-v2", catalog_path=catalog, progress=False)


def test_install_by_name_shows_a_progress_bar(
    isolated_models: Path, served: tuple[Path, Path], capsys: pytest.CaptureFixture
) -> None:
    install_encoder("all-MiniLM-L6-v2", catalog_path=served[1], progress=True)
    err = capsys.readouterr().err
    assert "all-MiniLM-L6-v2" in err and "100%" in err


def test_a_hash_mismatch_installs_nothing(isolated_models: Path, served: tuple[Path, Path]) -> None:
    files, catalog = served
    config = (files / "config.json").read_bytes()
    _replace(files, "config.json", config.replace(b'"gelu"', b'"relu"'))  # same size
    with pytest.raises(ModelError, match=r"SHA-256 of .*config.json is .* not the catalog's"):
        install_encoder("all-MiniLM-L6-v2", catalog_path=catalog, progress=False)
    assert visible_entries(isolated_models) == []
    with pytest.raises(EncoderMissing):
        find_encoder(None)


def test_a_truncated_download_installs_nothing(
    isolated_models: Path, served: tuple[Path, Path], encoder_path: Path
) -> None:
    files, catalog = served
    with open(encoder_path / "model.safetensors", "rb") as f:
        _replace(files, "model.safetensors", f.read(3_000_000))
    with pytest.raises(ModelError, match=r"model.safetensors is 3000000 bytes but the catalog"):
        install_encoder("all-MiniLM-L6-v2", catalog_path=catalog, progress=False)
    assert visible_entries(isolated_models) == []
    (files / "tokenizer.json").unlink()  # a 404
    with pytest.raises(ModelError, match="Downloading .*tokenizer.json failed"):
        install_encoder("all-MiniLM-L6-v2", catalog_path=catalog, progress=False)
    assert visible_entries(isolated_models) == []


def test_install_from_a_folder_and_a_zip(
    isolated_models: Path, encoder_path: Path, tmp_path: Path
) -> None:
    path = install_encoder(str(encoder_path), progress=False)
    assert path == isolated_models / "all-MiniLM-L6-v2" and find_encoder(None) == path
    assert os.access(path / "model.safetensors", os.W_OK)  # a read-only source stays removable
    archive = tmp_path / "encoder.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # stored, one top-level folder
        for name in ENCODER_FILES:
            zf.write(encoder_path / name, f"all-MiniLM-L6-v2/{name}")
    again = install_encoder(str(archive), progress=False, force=True)
    assert again == path and visible_entries(isolated_models) == [path.name]
    assert verify_encoder(again) == again


def test_a_folder_with_other_files_installs_nothing(
    isolated_models: Path, encoder_path: Path, tmp_path: Path
) -> None:
    other = _link_copy(encoder_path, tmp_path / "other")
    _replace(other, "tokenizer.json", (encoder_path / "tokenizer.json").read_bytes() + b"\n")
    with pytest.raises(ModelError, match="does not hold the official files .*tokenizer.json"):
        install_encoder(str(other), progress=False)
    (other / "config.json").unlink()
    with pytest.raises(ModelError, match="holds no complete sentence encoder"):
        install_encoder(str(other), progress=False)
    assert visible_entries(isolated_models) == []


def test_lookup_order_flag_env_settings_installed(
    isolated_models: Path, encoder_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = _link_copy(encoder_path, isolated_models / "all-MiniLM-L6-v2")
    assert find_encoder(None) == installed
    configured = _link_copy(encoder_path, tmp_path / "from-settings")
    settings = tmp_path / "config" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"encoder_path": str(configured), "model_path": ""}))
    assert find_encoder(None) == configured
    from_env = _link_copy(encoder_path, tmp_path / "from-env")
    monkeypatch.setenv("CALLCOACH_ENCODER", str(from_env))
    assert find_encoder(None) == from_env
    flagged = _link_copy(encoder_path, tmp_path / "from-flag")
    assert find_encoder(str(flagged)) == flagged
    assert find_encoder("all-MiniLM-L6-v2") == installed  # a bare name: an installed encoder


def test_a_broken_source_is_an_error_not_skipped(
    isolated_models: Path, encoder_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _link_copy(encoder_path, isolated_models / "all-MiniLM-L6-v2")
    monkeypatch.setenv("CALLCOACH_ENCODER", str(tmp_path / "nowhere"))
    with pytest.raises(EncoderMissing, match="CALLCOACH_ENCODER environment variable") as err:
        find_encoder(None)
    assert one_sentence(str(err.value)) and "rules alone" in str(err.value)
    partial = _link_copy(encoder_path, tmp_path / "partial")
    (partial / "tokenizer.json").unlink()
    with pytest.raises(EncoderMissing, match=r"--encoder flag\) is incomplete") as err:
        find_encoder(str(partial))
    assert one_sentence(str(err.value))


def test_corrupt_weights_leave_the_coach_on_rules_with_one_sentence(
    isolated_models: Path, encoder_path: Path, tmp_path: Path
) -> None:
    broken = _link_copy(encoder_path, tmp_path / "all-MiniLM-L6-v2")
    with open(encoder_path / "model.safetensors", "rb") as f:
        _replace(broken, "model.safetensors", f.read(8_000_000))
    with pytest.raises(EncoderMissing) as err:
        load_encoder(broken)
    text = str(err.value)
    assert text.startswith("The coach runs on its phrase rules alone because the sentence")
    assert "truncated or corrupt" in text and "models install all-MiniLM-L6-v2" in text
    assert one_sentence(text)
    with pytest.raises(ModelError, match=r"model.safetensors is 8000000 bytes, not 90868376"):
        verify_encoder(broken)
    assert load_encoder(encoder_path) is load_encoder(encoder_path)  # loaded once per process


def test_cli_install_verify_list(isolated_models: Path, encoder_path: Path) -> None:
    env = dict(os.environ)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "main.py", "models", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    listed = json.loads(run("list", "--json").stdout)["encoders"]
    assert listed["active"] is None and "rules alone" in listed["problem"]
    assert listed["catalog"][0]["revision"] == REVISION
    ok = run("install", str(encoder_path))
    assert ok.returncode == 0, ok.stderr
    assert "Installed the sentence encoder all-MiniLM-L6-v2" in ok.stdout
    installed = isolated_models / "all-MiniLM-L6-v2"
    listed = json.loads(run("list", "--json").stdout)["encoders"]
    assert listed["active"] == str(installed) and listed["catalog"][0]["installed"]
    assert "Sentence encoder in use" in run("list").stdout
    verified = run("verify", str(installed))
    assert verified.returncode == 0 and "encodes as published" in verified.stdout
    with open(installed / "model.safetensors", "r+b") as f:
        f.seek(5_000_000)
        f.write(b"\xff" * 64)  # same size, different bytes
    bad = run("verify", str(installed))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().startswith(f"The sentence encoder at {installed} is incomplete")
    shutil.rmtree(installed)
    none = run("verify")  # neither a speech model nor an encoder in use
    assert none.returncode == 2
    assert "The coach runs on its phrase rules alone because no sentence encoder" in none.stderr
