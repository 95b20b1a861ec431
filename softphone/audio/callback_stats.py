"""What a PortAudio callback thread records about itself, and how it asks for real-time
priority: ``CallbackStats`` (counters and a ring of preallocated timings, written by exactly one
callback thread, read by anybody), ``count_status`` for the xrun flags PortAudio passes, and
``raise_priority``. Nothing here allocates or locks on the callback path (headset.py's
audio-callback contract).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import sounddevice as sd

TIMING_SLOTS = 1 << 16  # >10 min of 10 ms callbacks
TIMING_MASK = TIMING_SLOTS - 1


class CallbackStats:
    """Counters and timings written by exactly one callback thread, read by anybody."""

    def __init__(self) -> None:
        self.starts = np.zeros(TIMING_SLOTS, dtype=np.float64)
        self.durations = np.zeros(TIMING_SLOTS, dtype=np.float64)
        # device samples moved: the device clock for the drift estimate, so never reset (a
        # reset under the estimator once read as -1,900 ppm of "drift")
        self.frames = 0
        self.last = 0.0  # perf_counter at the start of the latest callback (its phase)
        self.reset()

    def reset(self) -> None:
        """Zero the counters (not the device clock ``frames``)."""
        self.calls = 0
        self.xruns = 0
        self.input_overflows = 0
        self.input_underflows = 0
        self.output_underflows = 0
        self.output_overflows = 0

    def summary(self) -> dict:
        n = min(self.calls, TIMING_SLOTS)
        out = {
            "callbacks": self.calls,
            "xruns": self.xruns,
            "input_overflows": self.input_overflows,
            "input_underflows": self.input_underflows,
            "output_underflows": self.output_underflows,
            "output_overflows": self.output_overflows,
        }
        if n:
            d = self.durations[:n] * 1000.0
            out["callback_ms"] = {
                "p50": round(float(np.percentile(d, 50)), 4),
                "p99": round(float(np.percentile(d, 99)), 4),
                "max": round(float(d.max()), 4),
            }
            if n > 2:
                # the slots are a ring: order the start times before taking gaps
                starts = np.sort(self.starts[:n])
                out["max_gap_ms"] = round(float(np.diff(starts).max() * 1000.0), 3)
        return out


def raise_priority(priority: int = 10) -> bool:
    """Make the calling thread SCHED_FIFO (Linux: pid 0 is the calling thread)."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except (OSError, AttributeError):
        return False
    return True


def count_status(stats: CallbackStats, status: sd.CallbackFlags) -> None:
    stats.xruns += 1
    if status.input_overflow:
        stats.input_overflows += 1
    if status.input_underflow:
        stats.input_underflows += 1
    if status.output_underflow:
        stats.output_underflows += 1
    if status.output_overflow:
        stats.output_overflows += 1
