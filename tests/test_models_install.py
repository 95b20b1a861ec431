"""Installing speech models: from a zip, a folder, a URL and the catalog (over real HTTP),
with SHA-256 checks and atomic unpacking (a failed install leaves nothing behind)."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.catalog import load_catalog
from models.errors import ModelError
from models.install import MANIFEST, install_model, sha256_of
from models.lookup import installed_models, resolve_model_path

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.asr
pytest_plugins = ("tests.model_fixtures",)


def visible_entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_install_from_zip_is_found_by_lookup(isolated_models: Path, model_zip: Path) -> None:
    with pytest.raises(ModelError, match="No speech model is installed: run"):
        resolve_model_path(None)
    path = install_model(str(model_zip), progress=False)
    assert path == isolated_models / "vosk-model-small-en-us-0.15"
    assert resolve_model_path(None) == path
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["sha256"] == sha256_of(model_zip)
    assert visible_entries(isolated_models) == [path.name]  # no staging folder left


def test_install_from_folder_copies_a_writable_model(
    isolated_models: Path, model_path: Path
) -> None:
    path = install_model(str(model_path), progress=False)
    assert installed_models() == [path]
    assert (path / "am" / "final.mdl").stat().st_size == (
        model_path / "am" / "final.mdl"
    ).stat().st_size
    assert os.access(path / "am", os.W_OK)
    with pytest.raises(ModelError, match="already installed.*--force"):
        install_model(str(model_path), progress=False)
    again = install_model(str(model_path), progress=False, force=True)
    assert again == path and visible_entries(isolated_models) == [path.name]


def test_sha_mismatch_is_rejected_and_nothing_installed(
    isolated_models: Path, model_zip: Path
) -> None:
    with pytest.raises(ModelError, match="SHA-256 .* not the expected"):
        install_model(str(model_zip), sha256="0" * 64, progress=False)
    assert visible_entries(isolated_models) == []


def test_damaged_zip_and_zip_without_model_install_nothing(
    isolated_models: Path, model_zip: Path, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.zip"
    cut.write_bytes(model_zip.read_bytes()[: model_zip.stat().st_size // 2])
    with pytest.raises(ModelError, match="not a valid zip|damaged"):
        install_model(str(cut), progress=False)
    empty_src = tmp_path / "notamodel"
    (empty_src / "conf").mkdir(parents=True)
    (empty_src / "conf" / "mfcc.conf").write_text("--use-energy=false\n")
    archive = shutil.make_archive(str(tmp_path / "notamodel"), "zip", tmp_path, "notamodel")
    with pytest.raises(ModelError, match="no complete Vosk model"):
        install_model(archive, progress=False)
    assert visible_entries(isolated_models) == []


def test_corrupt_graph_is_caught_by_loading(
    isolated_models: Path, model_path: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken-model"
    shutil.copytree(model_path, broken)
    graph = next(p for p in (broken / "graph").glob("*.fst"))
    graph.chmod(0o644)
    graph.write_bytes(os.urandom(4096))
    with pytest.raises(ModelError, match="nothing was installed"):
        install_model(str(broken), progress=False)
    assert visible_entries(isolated_models) == []


def _catalog_with(tmp_path: Path, url: str, size: int | None, sha: str | None) -> Path:
    cat = tmp_path / "catalog.json"
    entry = {
        "name": "vosk-model-small-en-us-0.15",
        "language": "en-us",
        "url": url,
        "size": size,
        "sha256": sha,
    }
    cat.write_text(json.dumps({"models": [entry]}))
    return cat


def test_download_from_catalog_over_http_with_progress(
    isolated_models: Path, model_zip: Path, http_root: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = http_root
    shutil.copy(model_zip, root / model_zip.name)
    url = f"{base}/{model_zip.name}"
    size, sha = model_zip.stat().st_size, sha256_of(model_zip)
    seen: list[tuple[int, int | None]] = []
    path = install_model(
        "vosk-model-small-en-us-0.15",
        catalog_path=_catalog_with(tmp_path, url, size, sha),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert path.name == "vosk-model-small-en-us-0.15"
    assert seen[-1] == (size, size) and len(seen) > 5
    assert all(a[0] < b[0] for a, b in itertools.pairwise(seen))


def test_download_with_wrong_checksum_or_size_installs_nothing(
    isolated_models: Path, model_zip: Path, http_root: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = http_root
    shutil.copy(model_zip, root / model_zip.name)
    url = f"{base}/{model_zip.name}"
    size = model_zip.stat().st_size
    with pytest.raises(ModelError, match="SHA-256"):
        install_model(
            "vosk-model-small-en-us-0.15",
            catalog_path=_catalog_with(tmp_path, url, size, "ab" * 32),
            progress=False,
        )
    with pytest.raises(ModelError, match="catalog says"):
        install_model(
            "vosk-model-small-en-us-0.15",
            catalog_path=_catalog_with(tmp_path, url, size - 10, None),
            progress=False,
        )
    with pytest.raises(ModelError, match="Downloading .* failed"):
        install_model(f"{base}/missing.zip", progress=False)
    assert visible_entries(isolated_models) == []


def test_cli_install_from_url_shows_a_progress_bar(
    model_zip: Path, http_root: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = http_root
    shutil.copy(model_zip, root / model_zip.name)
    target = tmp_path / "cli-models"
    cmd = [
        sys.executable,
        "main.py",
        "models",
        "install",
        f"{base}/{model_zip.name}",
        "--sha256",
        sha256_of(model_zip),
        "--dir",
        str(target),
    ]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    assert "100%" in r.stderr and "vosk-model-small-en-us-0.15.zip" in r.stderr
    assert "Installed vosk-model-small-en-us-0.15" in r.stdout
    bad = subprocess.run(
        [*cmd[:-4], "--sha256", "1" * 64, "--dir", str(tmp_path / "x")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1].startswith("The SHA-256 of")
    assert "Traceback" not in bad.stderr
    assert visible_entries(tmp_path / "x") == []


def test_catalog_entries_are_complete() -> None:
    entries = load_catalog()
    names = [e.name for e in entries]
    assert len(names) == len(set(names)) and "vosk-model-small-en-us-0.15" in names
    for e in entries:
        assert e.url == f"https://alphacephei.com/vosk/models/{e.name}.zip"
        assert e.sha256 is None or len(e.sha256) == 64
    small_en = next(e for e in entries if e.name == "vosk-model-small-en-us-0.15")
    assert small_en.size == 41205931 and small_en.checksum_known


def test_a_killed_install_leaves_nothing_lookup_uses_and_is_cleaned_later(
    isolated_models: Path, model_path: Path
) -> None:
    # what a `kill -9` in the middle of unpacking leaves: a hidden, half-filled staging folder
    half = isolated_models / ".installing-killed" / "vosk-model-small-en-us-0.15"
    shutil.copytree(model_path / "conf", half / "conf")
    with pytest.raises(ModelError, match="No speech model is installed"):
        resolve_model_path(None)
    old = 7 * 3600
    os.utime(half.parent, (time.time() - old, time.time() - old))
    install_model(str(model_path), progress=False)
    assert visible_entries(isolated_models) == ["vosk-model-small-en-us-0.15"]
