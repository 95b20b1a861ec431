"""Installs a sentence encoder: by catalog name (each file downloaded from the official
repository at the pinned revision, with progress, its size and SHA-256 checked), or from a
local folder or zip holding the same files (hashes checked against the catalog too).

As for the Vosk model, everything is assembled in a hidden staging folder inside the
installed-models folder and renamed into place only when every file matched and a real
encode gave the published vector: a bad hash, a truncated file or a killed install leaves
nothing that lookup would pick up.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from models.catalog import EncoderEntry, find_encoder_entry
from models.encoder_files import (
    DEFAULT_ENCODER,
    ENCODER_FILES,
    ENCODER_HINT,
    OPTIONAL_FILES,
    catalog_entry_for,
    encode_check,
    encoder_layout_problems,
    hash_problems,
)
from models.errors import ModelError
from models.install import (
    ProgressFn,
    _commit,
    _remove_stale_staging,
    _safe_extract,
    _tqdm_progress,
    download,
)
from models.lookup import models_dir
from models.program import command


def is_encoder_source(source: str, catalog_path: Path | None = None) -> bool:
    """Whether `models install SOURCE` means a sentence encoder (name, folder or zip)."""
    path = Path(source).expanduser()
    if path.is_dir():
        return _encoder_root(path) is not None
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return any(n.endswith("model.safetensors") for n in zf.namelist())
    return find_encoder_entry(source, catalog_path) is not None


def _encoder_root(folder: Path) -> Path | None:
    """The folder itself or a sub-folder (two levels at most) holding the encoder files."""
    if not encoder_layout_problems(folder):
        return folder
    for child in sorted(p for p in folder.rglob("*") if p.is_dir()):
        if len(child.relative_to(folder).parts) <= 2 and not encoder_layout_problems(child):
            return child
    return None


def _download_all(entry: EncoderEntry, into: Path, progress: bool | ProgressFn) -> dict[str, str]:
    """Download every file of `entry` into `into`; its SHA-256 by file name."""
    update: ProgressFn | None = None
    close = None
    if progress is True:
        update, close = _tqdm_progress(entry.name)
    elif callable(progress):
        update = progress
    digests = {}
    offset = 0
    try:
        for f in entry.files:
            url = entry.url_for(f)
            dest = into / f.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            on_progress = None
            if update is not None:
                # One bar over all files: the weights are 99 % of the bytes anyway.
                def on_progress(done: int, _total: int | None, base: int = offset) -> None:
                    update(base + done, entry.size)

            digest = download(url, dest, expected_size=f.size, progress=on_progress)
            if digest != f.sha256:
                raise ModelError(
                    f"The SHA-256 of {url} is {digest}, not the catalog's {f.sha256}: nothing "
                    "was installed; run the install again."
                )
            digests[f.name] = digest
            offset += f.size
    finally:
        if close:
            close()
    return digests


def _copy_files(root: Path, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    for name in (*ENCODER_FILES, *OPTIONAL_FILES):
        if (root / name).is_file():
            shutil.copyfile(root / name, into / name)  # follows symlinks (a HF cache snapshot)


def install_encoder(
    source: str = DEFAULT_ENCODER,
    *,
    directory: Path | None = None,
    force: bool = False,
    progress: bool | ProgressFn = True,
    catalog_path: Path | None = None,
    verify_load: bool = True,
) -> Path:
    """Install the encoder `source` (a catalog name, a folder or a zip); returns its folder.

    Every file must match the catalog's size and SHA-256; any problem raises ModelError with
    one sentence and installs nothing.
    """
    directory = Path(directory) if directory else models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(directory)
    src_path = Path(source).expanduser()
    local = src_path.exists()
    if local:
        entry = catalog_entry_for(src_path) if src_path.is_dir() else None
        entry = entry or find_encoder_entry(DEFAULT_ENCODER, catalog_path)
    else:
        entry = find_encoder_entry(source, catalog_path)
    if entry is None:
        raise ModelError(
            f"{source} is not an encoder folder, a zip or an encoder name in the catalog: "
            f"see {command('models list')}."
        )
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=directory))
    staged = staging / entry.name
    try:
        manifest: dict = {
            "source": source,
            "installed_at": time.time(),
            "encoder": entry.name,
            "revision": entry.revision,
        }
        if not local:
            manifest["sha256"] = _download_all(entry, staged, progress)
        else:
            root = src_path
            if src_path.is_file():
                unpacked = staging / "unpacked"
                unpacked.mkdir()
                _safe_extract(src_path, unpacked)
                root = unpacked
            found = _encoder_root(root)
            if found is None:
                raise ModelError(
                    f"{source} holds no complete sentence encoder ({', '.join(ENCODER_FILES)}): "
                    "nothing was installed; check it, or download the encoder with "
                    f"{ENCODER_HINT}."
                )
            _copy_files(found, staged)
            problems = hash_problems(staged, entry)
            if problems:
                raise ModelError(
                    f"{source} does not hold the official files of {entry.name} at revision "
                    f"{entry.revision[:12]} ({'; '.join(problems)}): nothing was installed; "
                    f"download them with {ENCODER_HINT}."
                )
            manifest["sha256"] = {f.name: f.sha256 for f in entry.files}
        if verify_load:
            try:
                failure = encode_check(staged, entry)
            except ModelError as e:
                failure = str(e).rstrip(".")
            if failure:
                raise ModelError(
                    f"{source} has the right files but the encoder does not work ({failure}): "
                    "nothing was installed."
                )
        return _commit(staged, entry.name, directory, force, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
