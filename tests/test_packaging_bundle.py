"""The one-folder desktop bundle (issue 14), built the way a release is: scripts/build_bundle.py
(PyInstaller in a venv of its own) into a temporary folder, then run from another folder:
`--help`, the SIP stack it carries, a headless call to a second bundled engine and the window
opening under Xvfb (the script's --smoke), then deleted. About two minutes, once per suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.needs import needs, needs_that

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(1200)
@needs("Xvfb")
@needs_that(sys.platform.startswith("linux"), "Linux (only the Linux bundle is built and run here)")
def test_bundle_builds_and_runs_from_another_folder(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    try:
        r = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "build_bundle.py"), "--out", str(out), "--smoke"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1100, check=False,
        )  # fmt: skip
        report = r.stdout + r.stderr[-3000:]
        assert r.returncode == 0, report
        for line in ("--help: ok", "call to a second engine: ok", "window (Xvfb): ok"):
            assert line in r.stdout, report
        exe = out / "dist" / "callcoach" / "callcoach"
        assert exe.is_file() and os.access(exe, os.X_OK)
        bundle = exe.parent
        # what the wheel ships, the bundle ships: rule packs, the layer, the desktop entry
        for rel in ("rules/base.yaml", "rules/semantic_layer.npz", "desktop/callcoach.desktop"):
            assert list(bundle.rglob(rel)), rel
        assert (bundle / "install-desktop-entry.sh").is_file()
        # the SIP stack built here travels with it (not the PyPI wheel)
        stack = subprocess.run(
            [str(exe), "sip-stack"], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert stack.returncode == 0, stack.stderr
        assert "2.17" in stack.stdout and "opus" in stack.stdout.lower(), stack.stdout
    finally:
        shutil.rmtree(out, ignore_errors=True)  # ~330 MB: never left behind
