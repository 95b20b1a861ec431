"""Settings that touch real devices and files: the Audio tab lists the PulseAudio headset and
its input meter moves when someone speaks into the (virtual) mic; the Speech model tab installs
a model from a folder with a progress bar."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ui, pytest.mark.audio]


@pytest.fixture
def desktop(qtbot, tmp_path: Path, monkeypatch):
    from app.desktop import DesktopApp

    monkeypatch.setenv("CALLCOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CALLCOACH_MODELS_DIR", str(tmp_path / "models"))
    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    app.show()
    yield app
    assert app.shutdown() == []


def test_audio_tab_lists_devices_and_the_meter_follows_the_mic(desktop, qtbot, tmp_path) -> None:
    w = desktop.window
    w.show_page("settings")
    page = w.settings_page
    page.tabs.setCurrentWidget(page.audio)
    audio = page.audio
    qtbot.waitUntil(lambda: audio.input.count() > 1, timeout=10000)
    names = [audio.input.itemText(i) for i in range(audio.input.count())]
    assert names[0] == "System default" and any("pulse" in n or "default" in n for n in names[1:])
    assert "microphone" in audio.status.text()
    qtbot.wait(600)
    quiet = audio.level.value()
    tone = tmp_path / "tone.wav"
    subprocess.run(["sox", "-n", "-r", "16000", "-c", "1", str(tone), "synth", "3", "sine",
                    "440", "vol", "0.5"], check=True)  # fmt: skip
    player = subprocess.Popen(["paplay", "--device=micfeed", str(tone)])
    try:
        qtbot.waitUntil(lambda: audio.level.value() > max(50, quiet + 30), timeout=5000)
    finally:
        player.wait(10)
    page.tabs.setCurrentWidget(page.account)  # leaving the tab closes the meter's stream
    qtbot.waitUntil(lambda: desktop.settings_wiring.meter._stream is None, timeout=5000)


@pytest.mark.asr
def test_model_tab_installs_a_model_from_a_folder(desktop, qtbot) -> None:
    source = os.environ.get("CALLCOACH_MODEL")
    assert source, "scripts/test.sh sets CALLCOACH_MODEL"
    w = desktop.window
    w.show_page("settings")
    page = w.settings_page.model
    states: list[str] = []
    desktop.bridge.modelStateChanged.connect(lambda s, _: states.append(s))
    page.installFileRequested.emit(source)
    assert not page.progress.isHidden() and not page.download.isEnabled()
    models_dir = Path(os.environ["CALLCOACH_MODELS_DIR"])
    qtbot.waitUntil(lambda: "ready" in states and bool(page.path.text()), timeout=60000)
    installed = Path(page.path.text())
    assert installed.parent == models_dir and (installed / "am").is_dir()
    assert page.progress.isHidden() and page.download.isEnabled()
    qtbot.waitUntil(lambda: page.state.text() == "Speech model ready", timeout=10000)
    assert desktop.services.model is not None
    assert desktop.settings.model_path == str(installed)
    assert w.status.model.text.text() == "Speech model ready"
