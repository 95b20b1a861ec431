"""The desktop entry registers Call Coach for tel:/sip: links, and the installer writes a
launcher and an entry that point at this checkout."""

from __future__ import annotations

import configparser
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _entry(path: Path) -> configparser.SectionProxy:
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # keys are case-sensitive in desktop entries
    cp.read(path)
    return cp["Desktop Entry"]


def test_desktop_entry_handles_tel_and_sip_links() -> None:
    e = _entry(ROOT / "resources" / "desktop" / "callcoach.desktop")
    mimes = set(filter(None, e["MimeType"].split(";")))
    assert {"x-scheme-handler/tel", "x-scheme-handler/sip", "x-scheme-handler/sips"} <= mimes
    assert e["Exec"].endswith("%u")  # the link is passed as one URI argument
    assert e["Type"] == "Application" and e["Icon"] == "callcoach"
    assert (ROOT / "resources" / "desktop" / "callcoach.svg").read_text().startswith("<svg")


def test_installer_writes_launcher_and_entry(tmp_path: Path) -> None:
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "share"),
               XDG_BIN_HOME=str(tmp_path / "bin"), PATH="/usr/bin:/bin")  # fmt: skip
    r = subprocess.run(["bash", str(ROOT / "packaging" / "install-desktop-entry.sh")], env=env,
                       capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    launcher = tmp_path / "bin" / "callcoach"
    assert f'"{ROOT}/main.py"' in launcher.read_text() and os.access(launcher, os.X_OK)
    e = _entry(tmp_path / "share" / "applications" / "callcoach.desktop")
    assert e["Exec"] == f"{launcher} %u"
    assert (tmp_path / "share" / "metainfo" / "callcoach.metainfo.xml").exists()
