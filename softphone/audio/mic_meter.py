"""The settings microphone meter: a PortAudio input stream of its own, read at human rates.

Callback contract (STYLE.md 7): the PortAudio callback only copies the block into a ring
allocated once (`SampleRing.write`: a NumPy slice copy, no sample memory allocated; the one
small object made is the view of the block's only channel), and returns. It does not log,
compute levels or take locks. The page's poll timer (15 Hz) reads `level`, which asks a
`LevelMeter` about the newest 100 ms in the ring and then drops what it has looked at, on
the polling thread.
"""

from __future__ import annotations

from typing import Any

from softphone.audio.devices import LevelMeter, find_device
from softphone.audio.ring import SampleRing

RATE = 16000
FLOOR_DB = -60.0  # the bar's empty end: quieter than this reads as silence


class MicMeter:
    """RMS level of an input device as 0..1 (a log scale over the top 60 dB)."""

    def __init__(self, sample_rate: int = RATE) -> None:
        self.sample_rate = sample_rate
        self._ring = SampleRing(sample_rate)  # one second: many polls' worth
        self._meter = LevelMeter(100, sample_rate)
        self._stream: Any = None

    def callback(self, indata: Any, frames: int, time: Any, status: Any) -> None:
        """The PortAudio input callback: copy the block into the ring, nothing else."""
        self._ring.write(indata[:, 0])

    def start(self, device: str | None) -> None:
        """Open the device (its name; None or "" = the default input) and start the meter."""
        import sounddevice as sd

        self.stop()
        dev = find_device(device, "input").index if device else None
        self._stream = sd.InputStream(
            device=dev,
            channels=1,
            samplerate=self.sample_rate,
            dtype="int16",
            callback=self.callback,
        )
        self._stream.start()

    @property
    def level(self) -> float:
        """The newest 100 ms as 0..1 (called by the page's poll timer, not the callback)."""
        if self._stream is None:
            return 0.0
        rms_db, _peak = self._meter.peek(self._ring)
        self._ring.discard(self._ring.available())  # the consumer's side: room for new audio
        return max(0.0, min(1.0, (rms_db - FLOOR_DB) / -FLOOR_DB))

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            # close() aborts a running stream and ignores PortAudio's errors (a device gone)
            stream.close()
        self._ring.discard(self._ring.available())
