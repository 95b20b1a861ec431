"""The list of call dispositions, read once from resources/calling/dispositions.yaml.

The one definition both softphone/ (the calls table) and coach/ (the library's review) use:
they may not import each other, and both may import resources. A file that cannot be read
raises ValueError with one sentence naming the file (and the line, for a bad entry).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from resources import path

DISPOSITIONS_FILE = path("calling", "dispositions.yaml")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def load_dispositions(file: Path = DISPOSITIONS_FILE) -> tuple[str, ...]:
    """The dispositions in the file's order; ValueError naming the file and line if bad."""
    text = file.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ValueError(f"{file}: not valid YAML ({e.__class__.__name__}).") from None
    items = data.get("dispositions") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ValueError(f"{file}: expected a non-empty list under 'dispositions:'.")
    lines = text.splitlines()
    seen: list[str] = []
    for item in items:
        name = str(item)
        line = next((i + 1 for i, t in enumerate(lines) if t.strip() == f"- {item}"), 0)
        where = f"{file}:{line}" if line else str(file)
        if not _NAME.match(name):
            raise ValueError(f"{where}: {name!r} is not a lower_snake_case disposition name.")
        if name in seen:
            raise ValueError(f"{where}: {name!r} is listed twice.")
        seen.append(name)
    return tuple(seen)


DISPOSITIONS: tuple[str, ...] = load_dispositions()
