"""Shared-memory sample rings: the audio taps crossing from the engine process to the app.

Layout of the segment: a 64-byte header (magic, capacity, sample rate, total samples written,
writer-closed flag) followed by ``capacity`` int16 samples. There is one writer (in the engine,
on pjsua2's media thread) and any number of readers (in the app), each with its own position.

The writer never looks at readers and never blocks: it copies the samples in and then
publishes the new total with one aligned 8-byte store. A reader that falls more than
``capacity`` samples behind loses the oldest part of its own backlog and counts it in
``lost``; after copying it re-checks the total, so samples the writer overwrote during the copy
are also dropped and counted instead of being returned torn.
"""

from __future__ import annotations

import threading
from multiprocessing import resource_tracker
from multiprocessing.shared_memory import SharedMemory

import numpy as np

_MAGIC = 0x43435452  # "CCTR"
_HEADER_BYTES = 64
# header as uint64 words: 0 magic, 1 capacity, 2 sample rate, 3 total written, 4 closed flag
_H_MAGIC, _H_CAP, _H_RATE, _H_WRITTEN, _H_CLOSED = range(5)
_attach_lock = threading.Lock()


class SharedRingWriter:
    """The engine side of a tap: copies samples in, never waits for anybody."""

    def __init__(self, name: str, capacity_samples: int, sample_rate: int = 16000) -> None:
        if capacity_samples <= 0:
            raise ValueError("A shared ring needs a capacity of at least one sample.")
        self.name = name
        self.capacity = int(capacity_samples)
        self._shm = SharedMemory(name=name, create=True, size=_HEADER_BYTES + 2 * self.capacity)
        self._hdr = np.ndarray((8,), dtype=np.uint64, buffer=self._shm.buf)
        self._data = np.ndarray(
            (self.capacity,), dtype=np.int16, buffer=self._shm.buf, offset=_HEADER_BYTES
        )
        self._hdr[:] = 0
        self._hdr[_H_CAP] = self.capacity
        self._hdr[_H_RATE] = sample_rate
        self._hdr[_H_MAGIC] = _MAGIC  # last: a reader seeing the magic sees a valid header
        self._written = 0

    def write(self, samples: np.ndarray) -> None:
        """Append samples (int16); the oldest are overwritten when readers lag."""
        n = len(samples)
        if n == 0 or self._data is None:
            return
        cap = self.capacity
        if n > cap:  # only the newest ``cap`` samples can be kept
            samples = samples[n - cap :]
        m = len(samples)
        start = (self._written + n - m) % cap
        first = min(m, cap - start)
        self._data[start : start + first] = samples[:first]
        if first < m:
            self._data[: m - first] = samples[first:]
        self._written += n
        self._hdr[_H_WRITTEN] = self._written  # publish after the data

    @property
    def total_written(self) -> int:
        return self._written

    def close(self) -> None:
        """Mark the ring closed for readers and unlink the segment (readers keep their map)."""
        if self._data is None:
            return
        self._hdr[_H_CLOSED] = 1
        self._data = None
        self._hdr = None
        self._shm.close()
        try:
            self._shm.unlink()
        except FileNotFoundError:
            pass


def _attach(name: str) -> SharedMemory:
    # Python 3.11 registers even an attached segment with the resource tracker, which would
    # unlink the engine's segment when the app exits (or warn about a "leak"). Only the writer
    # owns the segment, so registration is suppressed while attaching.
    with _attach_lock:
        original = resource_tracker.register
        resource_tracker.register = lambda *args, **kwargs: None
        try:
            return SharedMemory(name=name, create=False)
        finally:
            resource_tracker.register = original


class SharedRingReader:
    """The app side of a tap: reads what is new since its last read, counting what it lost."""

    def __init__(self, name: str, *, from_start: bool = False) -> None:
        try:
            self._shm = _attach(name)
        except FileNotFoundError:
            raise FileNotFoundError(f"No audio tap named {name!r} is open.") from None
        self.name = name
        self._hdr = np.ndarray((8,), dtype=np.uint64, buffer=self._shm.buf)
        if int(self._hdr[_H_MAGIC]) != _MAGIC:
            self._shm.close()
            raise ValueError(f"Shared memory {name!r} is not an audio tap.")
        self.capacity = int(self._hdr[_H_CAP])
        self.sample_rate = int(self._hdr[_H_RATE])
        self._data = np.ndarray(
            (self.capacity,), dtype=np.int16, buffer=self._shm.buf, offset=_HEADER_BYTES
        )
        written = int(self._hdr[_H_WRITTEN])
        self._pos = max(0, written - self.capacity) if from_start else written
        self.lost = 0

    def available(self) -> int:
        return int(self._hdr[_H_WRITTEN]) - self._pos

    @property
    def position(self) -> int:
        """Index (since the writer started) of the sample after the last one read or lost:
        the last chunk read ends here, so ``position / sample_rate`` timestamps it."""
        return self._pos

    @property
    def writer_closed(self) -> bool:
        return bool(self._hdr[_H_CLOSED])

    def read(self, max_samples: int | None = None) -> np.ndarray:
        """Return the samples written since the last read (int16, possibly empty)."""
        cap = self.capacity
        w = int(self._hdr[_H_WRITTEN])
        if w - self._pos > cap:
            self.lost += w - self._pos - cap
            self._pos = w - cap
        n = w - self._pos
        if max_samples is not None:
            n = min(n, max_samples)
        if n <= 0:
            return np.zeros(0, dtype=np.int16)
        start = self._pos % cap
        first = min(n, cap - start)
        if first == n:
            out = self._data[start : start + n].copy()
        else:
            out = np.concatenate((self._data[start:], self._data[: n - first]))
        # Anything before (new total - capacity) may have been overwritten during the copy.
        overwritten = int(self._hdr[_H_WRITTEN]) - cap - self._pos
        self._pos += n
        if overwritten > 0:
            bad = min(overwritten, n)
            self.lost += bad
            out = out[bad:]
        return out

    def close(self) -> None:
        if self._data is None:
            return
        self._data = None
        self._hdr = None
        self._shm.close()
