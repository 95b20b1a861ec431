"""The media-thread side of the headset: turning the mic ring into 20 ms call frames and call
frames into the ear ring, at whatever rate the device runs.

Runs on pjsua2's media clock thread (never in a PortAudio callback), with NumPy and soxr only:
priming (a prebuffer that starts exactly on target), drift measurement and one- or two-sample
corrections (``drift.py``), re-synchronising after the media clock stopped or stalled, and,
when the device cannot run at 16 kHz, streaming resampling with soxr.

Targets are ring levels seen just before each 20 ms pull/push. Devices deliver whole blocks, so
when the two clocks slip by a block the level steps by one block; the low point
(target - dead band - block) must still hold a frame for the pull (mic) or a block for the last
callback before a push (ear), with 5 ms to spare. With 10 ms blocks at 16 kHz that is a 37 ms
mic target (about 27 ms of added buffering on average) and a 27 ms ear target (about 37 ms).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import soxr

from softphone.audio.drift import DriftController, DriftEstimator, stretch
from softphone.audio.ring import SampleRing

RATE = 16000
FRAME = 320  # 20 ms at 16 kHz: pjsua2's conference bridge frame
IDLE_S = 0.2  # a gap this long between media ticks means the clock stopped: start afresh
# More than 60 ms above target (a stall somewhere) is skipped at once rather than worked off
# by corrections, which at 0.6 % would leave the rep with the extra delay for many seconds.
RESYNC_FRAMES = 3


class _Path:
    def __init__(self, ring: SampleRing, device_frames: Callable[[], int], rate: int, block: int):
        self.ring = ring
        self.device_frames = device_frames  # the callback's running count: the device clock
        self.rate = rate
        self.frame = FRAME * rate // RATE  # one 20 ms frame in device samples
        self.block = block
        self.deadband = 2 * rate // 1000  # ±2 ms
        self.margin = 5 * rate // 1000
        self.est = DriftEstimator(warmup_samples=2 * rate)
        self.resyncs = 0
        self.ticks = 0
        self.f0 = 0
        self.last = 0.0

    def _measure(self) -> None:
        done = self.ticks * self.frame
        self.est.add(done, self.device_frames() - self.f0 - done)

    def _restart_clock(self) -> None:
        self.ctl.reset()
        self.est.reset()
        self.ticks = 0
        self.f0 = self.device_frames()

    def summary(self) -> dict:
        ppm = self.est.ppm
        return {
            "device_rate": self.rate,
            "level": self.ring.available(),
            "target_ms": round(self.ctl.target * 1000 / self.rate, 1),
            "overruns": self.ring.overruns,
            "underruns": self.ring.underruns,
            "resyncs": self.resyncs,
            "drift_ppm": None if ppm is None else round(ppm, 1),
            "inserted": self.ctl.inserted,
            "dropped": self.ctl.dropped,
            "corrections": self.ctl.corrections,
        }

    def reset_counters(self) -> None:
        self.ring.reset_counters()
        self.ctl.inserted = self.ctl.dropped = 0
        self.resyncs = 0


class MicPath(_Path):
    """Mic ring (device rate) → 320-sample 16 kHz frames for the call."""

    def __init__(self, ring: SampleRing, device_frames: Callable[[], int], rate: int, block: int):
        super().__init__(ring, device_frames, rate, block)
        target = self.frame + block + self.deadband + self.margin
        self.ctl = DriftController(target, self.deadband, far=block)
        self.priming = True
        self._buf = np.zeros(self.frame + 2, dtype=np.int16)
        self._resampler = None
        self._staged = SampleRing(4 * FRAME)
        if rate != RATE:
            self._resampler = soxr.ResampleStream(rate, RATE, 1, dtype="int16", quality="HQ")

    def pull(self, out: np.ndarray, now: float) -> None:
        """Fill ``out`` (320 samples) with the next 20 ms of the rep's voice."""
        ring = self.ring
        if now - self.last > IDLE_S:  # the media clock was idle: start from a fresh prebuffer
            self._restart_clock()
            self.priming = True
        self.last = now
        level = ring.available()
        target = self.ctl.target
        if level > target + RESYNC_FRAMES * self.frame:  # a stall's backlog: skip it
            ring.discard(level - target)
            self.resyncs += 1
            self.ctl.reset()
            level = ring.available()
        self._measure()
        self.ticks += 1
        if self.priming:
            if level < target:
                out[:] = 0
                return
            ring.discard(level - target)  # start exactly on target: no early corrections
            level = target
            self.priming = False
        step = self.ctl.update(level)
        want = self.frame - step  # too full: take 1–2 more and squeeze; too empty: fewer
        if self._resampler is None and step == 0:
            got = ring.read_into(out)
            if got < FRAME:
                self.priming = True
            return
        buf = self._buf[:want]
        if ring.read_into(buf) < want:
            self.priming = True
        chunk = stretch(buf, self.frame) if step else buf
        if self._resampler is None:
            out[:] = chunk
            return
        self._staged.write(self._resampler.resample_chunk(chunk))
        self._staged.read_into(out, partial_ok=True)  # the first frames: soxr's delay, zeros


class EarPath(_Path):
    """Call frames (16 kHz) → ear ring (device rate); the output callback primes from it."""

    def __init__(
        self,
        ring: SampleRing,
        device_frames: Callable[[], int],
        rate: int,
        block: int,
        priming: Callable[[], bool],
    ):
        super().__init__(ring, device_frames, rate, block)
        self.ctl = DriftController(
            2 * block + self.deadband + self.margin, self.deadband, far=block
        )
        self.prime_level = int(self.ctl.target) + self.frame  # a push landed on the target
        self.priming = priming  # whether the output callback is still gathering its prebuffer
        self._resampler = None
        if rate != RATE:
            self._resampler = soxr.ResampleStream(RATE, rate, 1, dtype="int16", quality="HQ")

    def push(self, frame: np.ndarray, now: float) -> None:
        ring = self.ring
        if now - self.last > IDLE_S:  # the media clock was idle: measure afresh
            self._restart_clock()
        self.last = now
        self._measure()  # every tick counts for the clock, even one skipped below
        self.ticks += 1
        level = ring.available()
        if level > self.ctl.target + RESYNC_FRAMES * self.frame:  # far behind: skip the frame
            self.resyncs += 1
            self.ctl.reset()
            return
        chunk = frame if self._resampler is None else self._resampler.resample_chunk(frame)
        # while the output callback gathers its prebuffer the level says nothing about drift
        step = 0 if self.priming() else self.ctl.update(level)
        if step and len(chunk) > 2:
            chunk = stretch(chunk, len(chunk) + step)
        ring.write(chunk)
