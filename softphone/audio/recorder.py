"""StereoRecorder: the call recording, left = rep, right = prospect, 16 kHz int16 WAV.

Written incrementally from a non-real-time thread (the bridge's housekeeper, every ~200 ms).
The standard library's ``wave`` writer patches the RIFF and data sizes in the header and
we flush to the OS after every ``writeframes`` call, so if the process is killed (even SIGKILL)
the file is a valid WAV holding everything written up to the last call, i.e. at most a few
hundred milliseconds short. ``close()`` writes the final header. The file is created 0600:
a recording of a customer's voice is nobody else's business on a shared machine.
"""

from __future__ import annotations

import os
import threading
import wave
from pathlib import Path

import numpy as np


class StereoRecorder:
    """Incremental stereo WAV writer; ``write`` and ``close`` may come from different threads."""

    def __init__(self, path: str | os.PathLike, sample_rate: int = 16000) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._fh = os.fdopen(fd, "wb")
        self._wav = wave.open(self._fh, "wb")  # noqa: SIM115 - lives until close()
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(sample_rate)
        self._wav.writeframes(b"")  # header on disk now: an empty call is still a valid file
        self._lock = threading.Lock()  # only between write() and close(), never real-time
        self.frames = 0

    def write(self, rep: np.ndarray, prospect: np.ndarray) -> None:
        """Append both channels (int16); the shorter one is padded with silence."""
        n = max(len(rep), len(prospect))
        if n == 0:
            return
        block = np.zeros((n, 2), dtype="<i2")
        block[: len(rep), 0] = rep
        block[: len(prospect), 1] = prospect
        with self._lock:
            if self._wav is None:
                return
            self._wav.writeframes(block.tobytes())
            self._fh.flush()  # hand data and patched header to the OS: survives a SIGKILL
            self.frames += n

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate

    def close(self) -> None:
        with self._lock:
            if self._wav is None:
                return
            self._wav.close()
            self._wav = None
            self._fh.close()
