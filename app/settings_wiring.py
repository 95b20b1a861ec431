"""Settings behaviour that touches devices and models, kept off the GUI thread.

Lists audio devices, runs the microphone level meter while the Audio tab is visible
(softphone.audio.mic_meter: its own PortAudio input stream; the page polls the level at
15 Hz), plays the test tone, and downloads or installs the speech model with a progress bar.
All slow work runs on the io worker; results come back through the bridge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from softphone.audio.mic_meter import MicMeter

log = logging.getLogger(__name__)


class SettingsWiring(QObject):
    def __init__(self, window: Any, bridge: Any, services: Any) -> None:
        super().__init__(window)
        self.w, self.bridge, self.sv = window, bridge, services
        page = window.settings_page
        self.audio, self.model_page = page.audio, page.model
        page.background = lambda fn, done: self.sv.io.submit(fn, done, page.failed)
        page.load()
        self.meter = MicMeter()
        self.audio.level_fn = lambda: self.meter.level
        self.audio.meterWanted.connect(self._meter)
        self.audio.testToneRequested.connect(self._tone)
        self.audio.refreshRequested.connect(lambda: self.load_devices(refresh=True))
        self.model_page.downloadRequested.connect(lambda: self.download())
        self.model_page.installFileRequested.connect(lambda source: self.install(source))
        self._scanned: set[int] = set()  # the pages (by id) whose list came from PortAudio
        # PortAudio is not asked at start-up: its scan loads the ALSA/PulseAudio plugins into
        # this process for good (~20 MB; a call's audio runs in the engine process). Until the
        # Audio tab is first shown it lists the remembered devices, so a save keeps them.
        self._show_chosen(self.audio)

    def _chosen(self) -> dict:
        s = self.sv.settings
        return {"input_device": s.input_device, "output_device": s.output_device,
                "ring_device": s.ring_device}  # fmt: skip

    def _show_chosen(self, audio: Any) -> None:
        chosen = self._chosen()
        outputs = [n for n in dict.fromkeys((chosen["output_device"], chosen["ring_device"])) if n]
        inputs = [chosen["input_device"]] if chosen["input_device"] else []
        audio.set_devices(inputs, outputs, chosen)

    def load_devices(
        self, refresh: bool = False, page: Any = None, then: Callable[[], None] | None = None
    ) -> None:
        """List the devices into `page` (an AudioPage; the Settings tab by default), then call
        `then` on the GUI thread."""
        audio = page or self.audio
        self._scanned.add(id(audio))

        def scan() -> tuple[list[str], list[str]]:
            from softphone.audio import devices

            found = devices.refresh_devices() if refresh else devices.list_devices()
            return ([d.name for d in found if d.max_in > 0],
                    [d.name for d in found if d.max_out > 0])  # fmt: skip

        def show(result: tuple[list[str], list[str]]) -> None:
            audio.set_devices(result[0], result[1], self._chosen())
            n = len(result[0])
            audio.set_status(
                f"{n} microphone{'s' if n != 1 else ''} found."
                if n
                else "No microphone found — plug in a headset and press Find new devices."
            )
            if then is not None:
                then()

        self.sv.io.submit(scan, show, audio.set_status)

    def wire_audio(self, page: Any) -> None:
        """Another AudioPage (the first-run headset step) with the same meter, tone and scan."""
        page.level_fn = lambda: self.meter.level
        page.meterWanted.connect(lambda on: self._meter(on, page))
        page.testToneRequested.connect(lambda device: self._tone(device, page))
        page.refreshRequested.connect(lambda: self.load_devices(refresh=True, page=page))

    def _meter(self, on: bool, page: Any = None) -> None:
        audio = page or self.audio
        if on and id(audio) not in self._scanned:  # first shown: list what PortAudio sees,
            # then meter the device the list selects (a remembered one may be gone)
            self.load_devices(page=page, then=lambda: audio.isVisible() and self._meter(True, page))
            return
        device = audio.input.currentData() or None
        if on:
            self.sv.io.submit(lambda: self.meter.start(device), None, audio.set_status)
        else:
            self.sv.io.submit(self.meter.stop)

    def _tone(self, device: str, page: Any = None) -> None:
        from softphone.audio.devices import play_test_tone

        audio = page or self.audio
        audio.set_status("Playing a test tone…")
        self.sv.io.submit(
            lambda: play_test_tone(device or None),
            lambda _: audio.set_status("You should have heard a short beep."),
            audio.set_status,
        )

    def download(self, page: Any = None) -> None:
        """Install the catalog's first model, showing progress on `page` (see install)."""
        from models.catalog import load_catalog

        entries = load_catalog()
        if not entries:
            (page or self.model_page).set_state("No model is listed in the catalog.")
            return
        self.install(entries[0].name, page)

    def install(self, source: str, page: Any = None, on_installed: Any = None) -> None:
        """Install `source` (catalog name, zip or folder) showing progress on `page` (the
        Settings tab by default, or the first-run model step); `on_installed(path)` after."""
        from models.install import install_model

        page = page or self.model_page
        page.set_progress(0.0)
        page.set_state("Installing…")
        last = [-1]

        def progress(done: int, total: int | None) -> None:
            pct = int(100 * done / total) if total else 0
            if pct != last[0]:
                last[0] = pct
                self.bridge.call_soon(page.set_progress, pct / 100)

        def done(path: Any) -> None:
            page.set_progress(None)
            page.set_state("Installed — it is used from the next call.", str(path))
            self.sv.settings.model_path = str(path)
            self.sv.coach.reload_model(str(path))
            if page is not self.model_page:
                self.model_page.set_state("Installed.", str(path))
            if on_installed is not None:
                on_installed(path)

        def failed(sentence: str) -> None:
            page.set_progress(None)
            page.set_state(sentence)

        self.sv.io.submit(lambda: install_model(source, progress=progress), done, failed)
