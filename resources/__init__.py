"""Call Coach's data files, and the one place that says where they are.

This folder holds data, not code: rule packs and the shipped semantic layer (rules/), coach
examples and calibration calls (coach/), the style sheet and icons (style/), practice scripts
(practice/), opener phrasing (calling/), the desktop entry, icon and AppStream metadata
(desktop/). Every package (softphone/, coach/, models/, app/, calling/) finds them through this
module with importlib.resources, so the same code works in a checkout, in an installed wheel
(`pip install`, `pipx install`) and in the desktop bundle. It imports nothing of the project.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

__all__ = ["ROOT", "path"]

# A regular package on disk (checkout, wheel, PyInstaller one-folder): a real folder, so the
# packages may glob it, hand paths to Qt and numpy, and a lead may edit the files in place.
ROOT = Path(os.fspath(files(__name__)))


def path(*parts: str) -> Path:
    """The path of a shipped data file or folder, e.g. `path("rules", "base.yaml")`."""
    return ROOT.joinpath(*parts)
