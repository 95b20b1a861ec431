"""SoftMediaClock: a stand-in for pjsua2's media clock, for tools, tests and benchmarks that
exercise an ``AudioBridge`` without a SIP call.

A named thread ticks every 20 ms on an absolute ``perf_counter`` schedule (so it does not
accumulate sleep error) and, like pjsua2's conference bridge, calls ``pull_mic_frame`` and
``push_far_frame`` on each tick. ``ppm`` makes the clock run fast or slow against the system
clock, to simulate a media clock that drifts against the headset's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from softphone.audio.callback_stats import raise_priority

FRAME_S = 0.020


class SoftMediaClock:
    """Calls ``on_tick(k)`` every 20 ms × 1/(1 + ppm·1e-6) on thread "media-clock"."""

    def __init__(
        self, on_tick: Callable[[int], None], ppm: float = 0.0, realtime: bool = True
    ) -> None:
        self.on_tick = on_tick
        self.realtime = realtime  # SCHED_FIFO when allowed, as a media clock thread would be
        self.period = FRAME_S / (1.0 + ppm * 1e-6)
        self.ticks = 0
        self.late_ticks = 0  # ticks that ran more than one period behind schedule
        self.rt: bool | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="media-clock", daemon=True)

    def start(self) -> SoftMediaClock:
        self._thread.start()
        return self

    def _run(self) -> None:
        if self.realtime:
            self.rt = raise_priority()
        t0 = time.perf_counter()
        k = 0
        while not self._stop.is_set():
            due = t0 + k * self.period
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            elif now - due > self.period:
                self.late_ticks += 1
            self.on_tick(k)
            k += 1
            self.ticks = k

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def run_for(self, seconds: float) -> None:
        """Start, run for ``seconds`` of wall time, stop."""
        self.start()
        time.sleep(seconds)
        self.stop()
