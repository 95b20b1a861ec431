"""Playing a stretch of a call recording from a moment (a flag, a transcript line).

`MomentPlayer.play(path, start, end)` reads that stretch of the FLAC (at most
`MAX_SECONDS` when no end is given) and plays it on the output device through sounddevice
(Qt Multimedia is not part of PySide6-Essentials). The PortAudio callback only copies from
the preloaded array and advances a frame counter; a 20 Hz QTimer turns that counter into
`positionChanged(seconds)` and `stopped()` on the GUI thread. `position` is the call time
being heard, so a comment can be stamped at it.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from coach.library.recordings import read_segment

log = logging.getLogger(__name__)

MAX_SECONDS = 300.0


class MomentPlayer(QObject):
    positionChanged = Signal(float)
    stopped = Signal()
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, device: str | int | None = None) -> None:
        super().__init__(parent)
        self.device = device
        self.position = 0.0
        self._start = 0.0
        self._rate = 16000
        self._data = np.zeros((0, 2), dtype=np.int16)
        self._frame = 0  # advanced by the audio callback only
        self._stream = None
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._poll)

    def play(self, path: str | None, start: float, end: float | None = None) -> bool:
        """Play `path` from `start` seconds (to `end`); False (and `failed`) if it cannot."""
        self._close()
        start = max(0.0, start)
        until = end if end is not None else start + MAX_SECONDS
        try:
            if not path:
                raise FileNotFoundError
            data, rate = read_segment(path, start, until)
        except (OSError, RuntimeError, ValueError):
            self.failed.emit("This call has no recording to play.")
            return False
        if data.shape[1] == 1:
            data = np.repeat(data, 2, axis=1)
        self._data, self._rate, self._start, self._frame = data, rate, start, 0
        self.position = start
        try:
            import sounddevice as sd

            self._stream = sd.OutputStream(
                samplerate=rate,
                channels=2,
                dtype="int16",
                device=self.device,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:  # noqa: BLE001 - PortAudio errors come in several types
            log.warning("playback failed: %s", exc)
            self._stream = None
            self.failed.emit("The recording cannot be played: no audio output is available.")
            return False
        self.positionChanged.emit(self.position)
        self._timer.start()
        return True

    def _callback(self, out, frames, _time, _status) -> None:
        # Real-time: copy from the preloaded array, advance the counter, nothing else.
        i = self._frame
        chunk = self._data[i : i + frames]
        n = len(chunk)
        out[:n] = chunk
        if n < frames:
            out[n:] = 0
        self._frame = i + n

    def _poll(self) -> None:
        self.position = self._start + self._frame / self._rate
        self.positionChanged.emit(self.position)
        if self._frame >= len(self._data):
            self.stop()

    def is_playing(self) -> bool:
        return self._stream is not None

    def stop(self) -> None:
        was = self._stream is not None
        self._close()
        if was:
            self.stopped.emit()

    def _close(self) -> None:
        self._timer.stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            # close() aborts a running stream (no draining of what is queued: stop means now)
            # and ignores PortAudio's errors (a device gone)
            stream.close()
