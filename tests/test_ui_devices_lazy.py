"""The window asks PortAudio for the device list only when the Audio tab is first shown: its
scan loads the ALSA/PulseAudio plugins into the window process for good (~20 MB), and a call's
audio runs in the engine process. Until then the tab lists the remembered devices, so saving
the settings from another tab keeps them. Run in a fresh process: sounddevice must not be
imported by anything else first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ui]

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from PySide6.QtWidgets import QApplication
qapp = QApplication(sys.argv[:1])
from app.desktop import DesktopApp

def pump(seconds, until=lambda: False):
    end = time.monotonic() + seconds
    while time.monotonic() < end and not until():
        qapp.processEvents()
        time.sleep(0.01)

app = DesktopApp(use_engine=False, use_model=False, listen=False)
app.show()
pump(1.5)
out = {{"imported_at_start": "sounddevice" in sys.modules}}
page = app.window.settings_page
out["listed_before"] = [page.audio.input.itemText(i) for i in range(page.audio.input.count())]
page.save.click()  # a save from the Phone tab, before the Audio tab was ever shown
pump(5, lambda: page.save.isEnabled())  # the write runs off the GUI thread
app.window.show_page("settings")
page.tabs.setCurrentWidget(page.audio)
pump(10, lambda: bool(page.audio.status.text()))
out["imported_after_tab"] = "sounddevice" in sys.modules
out["status"] = page.audio.status.text()
out["leftovers"] = app.shutdown()
print("RESULT " + json.dumps(out))
"""


def test_devices_are_listed_when_the_audio_tab_is_first_shown(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    remembered = {"input_device": "Jabra Evolve2 65", "output_device": "Jabra Evolve2 65",
                  "ring_device": "Laptop speakers"}  # fmt: skip
    (config / "settings.json").write_text(json.dumps(remembered), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CALLCOACH_CONFIG_DIR": str(config),
           "CALLCOACH_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT))],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    lines = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
    assert lines, out.stderr[-2000:]
    got = json.loads(lines[-1][len("RESULT ") :])
    assert got["imported_at_start"] is False
    assert got["listed_before"] == ["System default", "Jabra Evolve2 65"]
    saved = json.loads((config / "settings.json").read_text(encoding="utf-8"))
    assert {k: saved.get(k) for k in remembered} == remembered  # the save kept them
    assert got["imported_after_tab"] is True
    assert "microphone" in got["status"]  # the scan's answer: "N microphones found." / "No ..."
    assert got["leftovers"] == []
