"""The catalog of known models (models/catalog.json): the Vosk speech models (name, language,
official URL, zip size and SHA-256, None where no published checksum is known) and the
sentence encoders (repository pinned to a revision, and size + SHA-256 of every file)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from models.errors import ModelError

CATALOG_PATH = Path(os.fspath(files("models").joinpath("catalog.json")))
OFFICIAL_URL = "https://alphacephei.com/vosk/models/{name}.zip"


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    name: str
    language: str
    label: str
    url: str
    size: int | None  # bytes of the zip
    sha256: str | None  # hex digest of the zip; None = unknown, install checks size + load

    @property
    def checksum_known(self) -> bool:
        return self.sha256 is not None


def load_catalog(path: Path | None = None) -> list[CatalogEntry]:
    """Read the catalog; a broken catalog file is a ModelError naming the file."""
    path = path or CATALOG_PATH
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = [
            CatalogEntry(
                name=m["name"],
                language=m["language"],
                label=m.get("label", m["name"]),
                url=m.get("url") or OFFICIAL_URL.format(name=m["name"]),
                size=m.get("size"),
                sha256=(m.get("sha256") or None) and m["sha256"].lower(),
            )
            for m in raw["models"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelError(f"The model catalog {path} cannot be read ({e}).") from e
    return entries


def find_entry(name: str, path: Path | None = None) -> CatalogEntry | None:
    """The catalog entry called `name` (with or without a trailing .zip), or None."""
    name = name.removesuffix(".zip")
    return next((e for e in load_catalog(path) if e.name == name), None)


@dataclass(frozen=True, slots=True)
class EncoderFile:
    name: str  # path inside the model folder (and the repository)
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class EncoderEntry:
    name: str
    label: str
    repository: str
    revision: str
    files: tuple[EncoderFile, ...]
    check_text: str | None = None  # a published embedding: the first components of its vector
    check_first: tuple[float, ...] = ()

    def url_for(self, file: EncoderFile) -> str:
        """The file's download URL at the pinned revision (never a moving branch)."""
        return f"{self.repository}/resolve/{self.revision}/{file.name}"

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


def load_encoder_catalog(path: Path | None = None) -> list[EncoderEntry]:
    """The catalog's sentence encoders; a broken catalog file is a ModelError naming the file."""
    path = path or CATALOG_PATH
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = [
            EncoderEntry(
                name=m["name"],
                label=m.get("label", m["name"]),
                repository=m["repository"].rstrip("/"),
                revision=m["revision"],
                files=tuple(
                    EncoderFile(f["name"], int(f["size"]), f["sha256"].lower()) for f in m["files"]
                ),
                check_text=(m.get("check") or {}).get("text"),
                check_first=tuple(float(x) for x in (m.get("check") or {}).get("first", ())),
            )
            for m in raw.get("encoders", [])
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ModelError(f"The model catalog {path} cannot be read ({e}).") from e
    return entries


def find_encoder_entry(name: str, path: Path | None = None) -> EncoderEntry | None:
    """The catalog's sentence encoder called `name`, or None."""
    return next((e for e in load_encoder_catalog(path) if e.name == name), None)
