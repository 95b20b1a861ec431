"""The ringtone: a two-tone ring cadence (2 s on, 4 s off) on the chosen ring device.

Runs on its own named thread while a call rings and stops at once when answered, declined or
gone. A missing or busy device just means a silent ring (the window and the tray still show
the call).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

RATE = 48000


def ring_burst(seconds: float = 2.0) -> Any:
    """440 + 480 Hz (the North American ring) with short fades, float32 mono."""
    import numpy as np

    t = np.arange(int(RATE * seconds)) / RATE
    tone = 0.12 * (np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t))
    fade = RATE // 100
    ramp = np.linspace(0.0, 1.0, fade)
    tone[:fade] *= ramp
    tone[-fade:] *= ramp[::-1]
    return tone.astype(np.float32)


class Ringer:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rang = 0  # bursts played (tests, diagnostics)

    def start(self, device: str | None = None) -> None:
        self.stop()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(device or None, self._stop), name="ringer", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(3)

    @property
    def ringing(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self, device: str | None, stop: threading.Event) -> None:
        try:
            import sounddevice as sd

            dev = None
            if device:
                from softphone.audio.devices import find_device

                dev = find_device(device, "output").index
            burst = ring_burst()
            block = RATE // 20
            with sd.OutputStream(device=dev, channels=1, samplerate=RATE, dtype="float32") as out:
                while not stop.is_set():
                    for i in range(0, len(burst), block):  # small writes: stop within 50 ms
                        if stop.is_set():
                            return
                        out.write(burst[i : i + block])
                    self.rang += 1
                    if stop.wait(4.0):
                        return
        except Exception as e:  # noqa: BLE001 - a silent ring is better than no window
            log.info("the ringtone could not play: %s", e)
