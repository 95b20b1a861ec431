"""PySide6's import hook without the module sources it kept in memory (app/qt_sources.py): the
window's imports leave nothing in linecache, and the hook still tells a module that uses
PySide6 from one that does not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, linecache, sys
sys.path.insert(0, {root!r})
import PySide6.QtCore
if {fix!r}:
    from app.qt_sources import stop_source_caching
    stop_source_caching()
import app.main_window, coach.engine, sqlite3
feature = sys.modules["shibokensupport.feature"]
print(json.dumps({{
    "cached_files": len(linecache.cache),
    "phone_page": feature.pyside_feature_dict.get("app.phone_page"),
    "settings": feature.pyside_feature_dict.get("app.settings"),
}}))
"""


def _run(fix: bool) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), fix=fix)],
        capture_output=True, text=True, check=True, timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_window_imports_leave_no_source_in_memory() -> None:
    before = _run(fix=False)
    after = _run(fix=True)
    assert before["cached_files"] > 50, before  # what the hook did: every module's source
    assert after["cached_files"] == 0, after
    # the hook's answer is unchanged: 0 = uses PySide6 (features apply), -1 = ignore it
    assert before["phone_page"] == after["phone_page"] == 0  # imports PySide6
    assert before["settings"] == after["settings"] == -1  # plain Python
