"""StereoRecorder: the call recording, left = rep, right = prospect, 16 kHz int16 WAV.

Written incrementally from a non-real-time thread (the bridge's housekeeper, every ~200 ms).
Each block goes straight to the file descriptor (no userspace buffer) and the RIFF and data
sizes in the 44-byte header are patched in place after it, so if the process is killed (even
SIGKILL) the file is a valid WAV holding everything written up to the last call, i.e. at most
a few hundred milliseconds short. The file is created 0600: a recording of a customer's voice
is nobody else's business on a shared machine.

A full disk (or any other write error) ends the recording, not the call: the file is cut back
to the last whole stereo frame that reached the disk, its header says exactly that much (both
only shrink or overwrite bytes already on disk, so they need no free space), `error` holds a
sentence for the rep and `on_error` is called once with it.
"""

from __future__ import annotations

import errno
import logging
import os
import struct
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_HEADER = 44
_FRAME_BYTES = 4  # stereo int16


def _header(sample_rate: int, data_bytes: int) -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 2, sample_rate, sample_rate * _FRAME_BYTES, 4, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class StereoRecorder:
    """Incremental stereo WAV writer; ``write`` and ``close`` may come from different threads."""

    def __init__(
        self,
        path: str | os.PathLike,
        sample_rate: int = 16000,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.on_error = on_error
        self.error: str | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._lock = threading.Lock()  # only between write() and close(), never real-time
        self._data = 0  # data bytes known to be on disk
        self.frames = 0
        # header on disk now: an empty call is still a valid file (a disk too full even for
        # 44 bytes leaves an empty file and the sentence)
        self._append(_header(sample_rate, 0), header=True)

    def write(self, rep: np.ndarray, prospect: np.ndarray) -> None:
        """Append both channels (int16); the shorter one is padded with silence."""
        n = max(len(rep), len(prospect))
        if n == 0:
            return
        block = np.zeros((n, 2), dtype="<i2")
        block[: len(rep), 0] = rep
        block[: len(prospect), 1] = prospect
        with self._lock:
            if self._fd is None or self.error:
                return
            self._append(block.tobytes())
            self.frames = self._data // _FRAME_BYTES

    def _append(self, data: bytes, header: bool = False) -> None:
        view = memoryview(data)
        try:
            while view:
                done = os.write(self._fd, view)
                view = view[done:]
                if not header:
                    self._data += done
            if not header:
                self._patch()
        except OSError as e:
            self._failed(e)

    def _patch(self) -> None:
        whole = self._data - self._data % _FRAME_BYTES
        os.pwrite(self._fd, struct.pack("<I", 36 + whole), 4)
        os.pwrite(self._fd, struct.pack("<I", whole), 40)

    def _failed(self, e: OSError) -> None:
        # Keep what reached the disk as a valid WAV: drop a torn last frame, fix the header.
        self._data -= self._data % _FRAME_BYTES
        try:
            size = os.fstat(self._fd).st_size
            if size >= _HEADER:
                os.ftruncate(self._fd, _HEADER + self._data)
                self._patch()
        except OSError:
            pass  # nothing more can be done for the file; the sentence still goes out
        self.frames = self._data // _FRAME_BYTES
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            why = "the disk is full"
        else:
            why = f"the disk refused it ({e.strerror or e})"
        self.error = (
            f"Recording stopped after {self.frames / self.sample_rate:.0f} s because {why}: "
            f"the call goes on, and what was recorded so far is kept in {self.path}."
        )
        if self.on_error is not None:
            try:
                self.on_error(self.error)
            except Exception:  # a listener's failure must not stop the writer
                log.exception("recording error listener failed")

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate

    def close(self) -> None:
        with self._lock:
            if self._fd is None:
                return
            fd, self._fd = self._fd, None
            os.close(fd)
