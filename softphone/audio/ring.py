"""SampleRing: a lock-free single-producer/single-consumer ring of int16 samples.

One thread writes (e.g. the PortAudio input callback), one other thread reads (e.g. pjsua2's
media clock thread). No lock is taken: the producer only ever advances ``_written`` and the
consumer only ever advances ``_read``; each is a Python int rebound by one assignment, which is
atomic under the GIL, and the data copy happens before the counter that publishes it. Both
sides copy with NumPy slices into a buffer allocated once, so a write or read allocates no
sample memory.

A full ring drops the newest samples (the writer never waits) and counts it in ``overruns``;
a read that finds too few samples zero-fills the rest and counts it in ``underruns``.
"""

from __future__ import annotations

import numpy as np


class SampleRing:
    """Lock-free SPSC ring of int16 samples with overflow/underflow counters."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("A sample ring needs a capacity of at least one sample.")
        self.capacity = int(capacity)
        self._buf = np.zeros(self.capacity, dtype=np.int16)
        self._written = 0  # total samples ever written; advanced by the producer only
        self._read = 0  # total samples ever read or discarded; advanced by the consumer only
        self.overruns = 0  # writes that did not fit entirely (producer side)
        self.dropped = 0  # samples those writes lost
        self.underruns = 0  # reads that found fewer samples than asked for (consumer side)

    # -- producer side ---------------------------------------------------------------------
    def write(self, samples: np.ndarray) -> int:
        """Copy as many of ``samples`` as fit; return how many were written."""
        n = len(samples)
        w = self._written
        free = self.capacity - (w - self._read)
        if n > free:
            self.overruns += 1
            self.dropped += n - free
            n = free
        if n <= 0:
            return 0
        start = w % self.capacity
        first = min(n, self.capacity - start)
        self._buf[start : start + first] = samples[:first]
        if first < n:
            self._buf[: n - first] = samples[first:n]
        self._written = w + n  # publish only after the data is in place
        return n

    def free(self) -> int:
        """Room left for the producer."""
        return self.capacity - (self._written - self._read)

    # -- consumer side ---------------------------------------------------------------------
    def available(self) -> int:
        """Samples waiting to be read."""
        return self._written - self._read

    def read_into(self, out: np.ndarray, *, partial_ok: bool = False) -> int:
        """Fill ``out`` from the ring; return the number of samples actually read.

        Missing samples are zero-filled and count as an underrun unless ``partial_ok``.
        """
        r = self._read
        want = len(out)
        n = min(want, self._written - r)
        if n > 0:
            start = r % self.capacity
            first = min(n, self.capacity - start)
            out[:first] = self._buf[start : start + first]
            if first < n:
                out[first:n] = self._buf[: n - first]
            self._read = r + n
        else:
            n = 0
        if n < want:
            out[n:] = 0
            if not partial_ok:
                self.underruns += 1
        return n

    def discard(self, n: int) -> int:
        """Drop up to ``n`` of the oldest samples (consumer side); return how many."""
        n = max(0, min(n, self._written - self._read))
        self._read += n
        return n

    def peek_latest(self, out: np.ndarray) -> int:
        """Copy the most recent ``len(out)`` written samples without consuming them.

        Meant for level meters: the producer may be overwriting the oldest of them while we
        copy, which a meter tolerates. Returns how many valid samples were copied.
        """
        w = self._written
        n = min(len(out), w, self.capacity)
        if n <= 0:
            return 0
        start = (w - n) % self.capacity
        first = min(n, self.capacity - start)
        out[:first] = self._buf[start : start + first]
        if first < n:
            out[first:n] = self._buf[: n - first]
        return n

    @property
    def total_written(self) -> int:
        return self._written

    @property
    def total_read(self) -> int:
        return self._read

    def reset_counters(self) -> None:
        self.overruns = self.dropped = self.underruns = 0
