"""The catalog of known Vosk models (models/catalog.json): name, language, official URL,
zip size and SHA-256 (None where no published checksum is known)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from models.errors import ModelError

CATALOG_PATH = Path(__file__).with_name("catalog.json")
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
