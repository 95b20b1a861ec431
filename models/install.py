"""Installs a Vosk model from a local zip, a local folder, a URL or a catalog name.

Everything happens in a hidden staging folder inside the installed-models folder (same file
system), and only a complete, verified model is renamed into place: a crash, a bad checksum
or a corrupt archive leaves nothing that lookup would pick up (it skips dot-folders).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from models.catalog import CatalogEntry, find_entry, load_catalog
from models.errors import ModelError
from models.lookup import models_dir
from models.program import command
from models.verify import layout_problems, load_check

MANIFEST = ".callcoach-install.json"
CHUNK = 1 << 20
MAX_UNPACKED_BYTES = 8 << 30  # a zip bomb guard; the biggest Vosk models unpack to ~4 GB

ProgressFn = Callable[[int, int | None], None]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _tqdm_progress(desc: str) -> tuple[ProgressFn, Callable[[], None]]:
    """A tqdm bar on stderr, drawn from the first received block (not for a failed connect)."""
    from tqdm import tqdm

    # tqdm otherwise starts a monitor thread that outlives the download (and the app's
    # "no stray threads at shutdown" check); a bar that updates per block does not need it.
    tqdm.monitor_interval = 0
    bars: list = []

    def update(done: int, total: int | None) -> None:
        if not bars:
            bars.append(
                tqdm(
                    total=total,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=desc,
                    file=sys.stderr,
                )
            )
        bars[0].update(done - bars[0].n)

    def close() -> None:
        if bars:
            bars[0].close()

    return update, close


def _cut_off(url: str, done: int, total: int | None) -> str:
    of = f" of {total / 1e6:.1f} MB" if total else ""
    return (
        f"Downloading {url} was cut off after {done / 1e6:.1f} MB{of}: nothing was "
        "installed; check the network and run the install again."
    )


def download(
    url: str,
    dest: Path,
    *,
    expected_size: int | None = None,
    progress: ProgressFn | None = None,
    timeout: float = 30.0,
) -> str:
    """Stream `url` into `dest`, returning its SHA-256; stops early on an oversize body."""
    h = hashlib.sha256()
    done = 0
    total = expected_size
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as out:
            header = resp.headers.get("Content-Length")
            total = int(header) if header and header.isdigit() else expected_size
            if expected_size and total and total != expected_size:
                raise ModelError(
                    f"{url} is {total} bytes but the catalog says {expected_size}: "
                    "nothing was installed; check the URL or the catalog entry."
                )
            while block := resp.read(CHUNK):
                done += len(block)
                if expected_size and done > expected_size:
                    raise ModelError(
                        f"{url} is larger than the catalog's {expected_size} bytes: "
                        "nothing was installed; check the URL or the catalog entry."
                    )
                h.update(block)
                out.write(block)
                if progress:
                    progress(done, total)
    except http.client.HTTPException as e:
        # IncompleteRead and friends: the server (or the network) dropped the connection
        # mid-body; not an OSError, so it needs its own sentence.
        raise ModelError(_cut_off(url, done, total)) from e
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        if done and isinstance(e, (ConnectionError, TimeoutError)):  # broke mid-body
            raise ModelError(_cut_off(url, done, total)) from e
        raise ModelError(
            f"Downloading {url} failed ({getattr(e, 'reason', e)}): nothing was installed; "
            "check the network, or install from a zip you have with "
            f"{command('models install FILE.zip')}."
        ) from e
    if total and done < total:  # a clean close before Content-Length: cut off too
        raise ModelError(_cut_off(url, done, total))
    if expected_size and done != expected_size:
        raise ModelError(
            f"{url} gave {done} bytes but the catalog says {expected_size}: nothing was "
            "installed; run the install again."
        )
    return h.hexdigest()


def _safe_extract(archive: Path, into: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            total = 0
            root = into.resolve()
            for info in zf.infolist():
                target = (into / info.filename).resolve()
                if root != target and root not in target.parents:
                    raise ModelError(
                        f"{archive} has an entry outside its folder ({info.filename}): "
                        "it was not installed; get the model from its official URL."
                    )
                total += info.file_size
                if total > MAX_UNPACKED_BYTES:
                    raise ModelError(f"{archive} unpacks to more than 8 GB: it was not installed.")
            bad = zf.testzip()
            if bad is not None:
                raise ModelError(
                    f"{archive} is damaged ({bad} fails its CRC check): nothing was installed; "
                    "download it again."
                )
            zf.extractall(into)
    except zipfile.BadZipFile as e:
        raise ModelError(
            f"{archive} is not a valid zip ({e}): nothing was installed; download it again."
        ) from e


def _find_model_root(folder: Path) -> Path | None:
    if not layout_problems(folder):
        return folder
    for child in sorted(p for p in folder.rglob("*") if p.is_dir()):
        if len(child.relative_to(folder).parts) <= 2 and not layout_problems(child):
            return child
    return None


def _make_writable(folder: Path) -> None:
    # A copy of a read-only source (a shared or packaged model) must stay removable by --force.
    for p in (folder, *folder.rglob("*")):
        if not p.is_symlink():
            p.chmod(p.stat().st_mode | 0o200 | (0o100 if p.is_dir() else 0))


def _commit(staged: Path, name: str, directory: Path, force: bool, manifest: dict) -> Path:
    _make_writable(staged)
    (staged / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    target = directory / name
    old = None
    if target.exists():
        if not force:
            raise ModelError(
                f"A model called {name} is already installed in {directory}: "
                "add --force to replace it."
            )
        old = directory / f".old-{name}-{os.getpid()}-{time.monotonic_ns()}"
        os.rename(target, old)
    os.rename(staged, target)  # atomic on one file system: the model appears complete or not at all
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def _remove_stale_staging(directory: Path, max_age: float = 6 * 3600) -> None:
    # A killed install leaves a hidden staging folder; lookup ignores it, this reclaims the space.
    now = time.time()
    for p in directory.glob(".installing-*"):
        if p.is_dir() and now - p.stat().st_mtime > max_age:
            shutil.rmtree(p, ignore_errors=True)


def _entry_for_url(url: str, catalog_path: Path | None) -> CatalogEntry | None:
    return next((e for e in load_catalog(catalog_path) if e.url == url), None)


def install_model(
    source: str,
    *,
    directory: Path | None = None,
    sha256: str | None = None,
    force: bool = False,
    progress: bool | ProgressFn = True,
    catalog_path: Path | None = None,
    verify_load: bool = True,
) -> Path:
    """Install `source` (zip, folder, http(s) URL or catalog name); returns the model folder.

    `sha256` overrides the catalog's checksum; a mismatch installs nothing. Raises ModelError
    with one sentence on any problem.
    """
    directory = Path(directory) if directory else models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(directory)
    src_path = Path(source).expanduser()
    entry: CatalogEntry | None = None
    url: str | None = None
    if src_path.exists():
        kind = "folder" if src_path.is_dir() else "zip"
        if kind == "folder" and sha256:
            raise ModelError(
                f"{source} is a folder and a SHA-256 checks a zip: give the zip, or drop --sha256."
            )
    elif source.startswith(("http://", "https://", "file://")):
        kind, url = "url", source
        entry = _entry_for_url(url, catalog_path)
    else:
        entry = find_entry(source, catalog_path)
        if entry is None:
            raise ModelError(
                f"{source} is not a model folder, a zip, a URL or a model name in the catalog: "
                f"see {command('models list')}."
            )
        kind, url = "url", entry.url
    expected = (sha256 or (entry.sha256 if entry else None) or "").lower() or None

    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=directory))
    close_bar = None
    try:
        manifest: dict = {"source": source, "installed_at": time.time()}
        if kind == "folder":
            copied = staging / src_path.resolve().name
            shutil.copytree(src_path, copied, symlinks=False)
            staged = _find_model_root(copied) or copied
            name = staged.name
        else:
            if kind == "url":
                archive = staging / "download.zip"
                on_progress: ProgressFn | None = None
                if progress is True:
                    on_progress, close_bar = _tqdm_progress(url.rsplit("/", 1)[-1])
                elif callable(progress):
                    on_progress = progress
                digest = download(
                    url, archive, expected_size=entry.size if entry else None, progress=on_progress
                )
                if close_bar:
                    close_bar()
                    close_bar = None
                default_name = entry.name if entry else Path(url).name.removesuffix(".zip")
            else:
                archive = src_path
                digest = sha256_of(archive)
                default_name = src_path.name.removesuffix(".zip")
            manifest["sha256"] = digest
            if expected and digest != expected:
                raise ModelError(
                    f"The SHA-256 of {source} is {digest}, not the expected {expected}: "
                    "nothing was installed; download it again from the official URL."
                )
            unpacked = staging / "unpacked"
            unpacked.mkdir()
            _safe_extract(archive, unpacked)
            staged = _find_model_root(unpacked)
            if staged is None:
                raise ModelError(
                    f"{source} holds no complete Vosk model (am/final.mdl, conf/mfcc.conf, "
                    "graph/): nothing was installed; check the file."
                )
            name = staged.name if staged != unpacked else default_name
        problems = layout_problems(staged)
        if problems:
            raise ModelError(
                f"{source} is not a complete Vosk model ({'; '.join(problems)}): "
                "nothing was installed."
            )
        if verify_load:
            failure = load_check(staged)
            if failure:
                raise ModelError(
                    f"{source} looks like a Vosk model but {failure}: nothing was installed."
                )
        return _commit(staged, name, directory, force, manifest)
    finally:
        if close_bar:
            close_bar()
        shutil.rmtree(staging, ignore_errors=True)
