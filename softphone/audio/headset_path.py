"""The media-thread side of the headset: turning the mic ring into 20 ms call frames and call
frames into the ear ring, at whatever rate the device runs.

Runs on pjsua2's media clock thread (never in a PortAudio callback), with NumPy and soxr only:
priming (a prebuffer that starts exactly on target), drift measurement and one- or two-sample
corrections (``drift.py``), re-synchronising after the media clock stopped or stalled, and,
when the device cannot run at 16 kHz, streaming resampling with soxr.

What is held on target is the ring's *fill*, phase-compensated with the time of the latest
device callback: the mic ring's level plus what the device has captured since its last
callback, the ear ring's level minus what it has played since. The raw level seen at a media
tick depends on where the tick falls between two device callbacks (a whole block of sawtooth),
and that phase wanders after any hiccup; held on the raw level, the controller chased the
phase with corrections (7 a second in a 90 s call) although the clocks were equal. The fill is
the same at any phase, so equal clocks need no correction.

Targets: the mic fill before a pull must leave a frame for the pull at the worst phase (a block
early) plus the dead band and 5 ms to spare: 39 ms with 10 ms blocks at 16 kHz. The ear fill
just before a push is its low point; a callback finds a block in the ring as long as it is
above zero, so the target is one block (a callback PulseAudio sends early, right after a late
one) plus the dead band and 5 ms: 19 ms (the raw-level design needed 27 ms + the phase).

A step in the fill (a stall's backlog: PulseAudio dropped what a late output callback missed,
or a late input burst) is not drift: when the fill stays more than 10 ms (or a block) above the
band it is skipped at once (one resync, heard as one skip right where the stall was heard
anyway) instead of being worked off by hundreds of small corrections over many seconds.
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
# A fill more than this many frames above target (a stall somewhere) is skipped at once; more
# than `cut` above it for HIGH_TICKS ticks in a row is too (a single late tick is not).
RESYNC_FRAMES = 3
HIGH_TICKS = 3
# Samples per correction (twice that beyond a block off): 2 of 320 is a 0.6 % pitch change for
# 20 ms, still inaudible, and half as many reshaped frames as one sample at a time.
STEP = 2


class _Path:
    ctl: DriftController  # each path sets its own (the mic's and the ear's targets differ)

    def __init__(self, ring: SampleRing, device, rate: int, block: int):
        self.ring = ring
        # the callback's CallbackStats: .frames (the device clock), .last (its latest callback,
        # perf_counter), .xruns; the callbacks write them, this thread only reads
        self.device = device
        self.rate = rate
        self.frame = FRAME * rate // RATE  # one 20 ms frame in device samples
        self.block = block
        # ±4 ms: PulseAudio moves its delivery phase by 2-4 ms now and then, and pjmedia's clock
        # ticks up to 1 ms early; a narrower band turned such wander into corrections
        self.deadband = 4 * rate // 1000
        self.margin = 5 * rate // 1000
        # a backlog this far above target is cut rather than corrected: a block or 10 ms
        # (short blocks jitter by more than a block) beyond the band
        self.cut = self.deadband + max(block, 10 * rate // 1000)
        # a step of 3 frames is a stall (PulseAudio's wander of a few ms is not)
        self.est = DriftEstimator(warmup_samples=2 * rate, jump=3 * self.frame)
        self.resyncs = 0
        self.ticks = 0
        self.f0 = 0
        self.last = 0.0
        self.high = 0  # consecutive ticks with the fill over a frame above target
        self._epoch = 0

    def _since(self, now: float) -> float:
        """Device samples moved since its latest callback (capped: a stalled device)."""
        # a late callback's samples are still being captured/played by PulseAudio meanwhile
        dt = now - self.device.last
        return min(max(dt, 0.0), 3 * self.block / self.rate) * self.rate

    def _measure(self, now: float) -> None:
        done = self.ticks * self.frame
        # the callback's count plus its phase: a device position without the block sawtooth
        pos = self.device.frames + self._since(now)
        epoch = self.device.xruns + self.ring.underruns + self.ring.overruns + self.resyncs
        if epoch != self._epoch:  # a known step: do not read it as drift
            self._epoch = epoch
            self.est.break_segment()
        self.est.add(done, pos - self.f0 - done)

    def _too_high(self, err: float) -> bool:
        """Whether the fill is a stall's backlog to skip rather than drift to correct: more
        than ``cut`` above target for a few ticks (working that off would take a hundred
        corrections), or far above it at once."""
        self.high = self.high + 1 if err > self.cut else 0
        return err > RESYNC_FRAMES * self.frame or self.high >= HIGH_TICKS

    def _restart_clock(self) -> None:
        self.ctl.reset()
        self.est.reset()
        self.ticks = 0
        self.high = 0
        self.f0 = self.device.frames

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
            "drift_segments": self.est.segments + 1,
            "inserted": self.ctl.inserted,
            "dropped": self.ctl.dropped,
            "corrections": self.ctl.corrections,
            "frames_reshaped": self.ctl.reshaped,
        }

    def reset_counters(self) -> None:
        self.ring.reset_counters()
        self.ctl.inserted = self.ctl.dropped = self.ctl.reshaped = 0
        self.resyncs = 0


class MicPath(_Path):
    """Mic ring (device rate) → 320-sample 16 kHz frames for the call."""

    def __init__(self, ring: SampleRing, device, rate: int, block: int):
        super().__init__(ring, device, rate, block)
        target = self.frame + block + self.deadband + self.margin
        self.ctl = DriftController(
            target, self.deadband, far=block, step=STEP, clip=block // 2, alpha=1 / 64
        )
        self.priming = True
        self._buf = np.zeros(self.frame + 2 * STEP, dtype=np.int16)
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
        fill = level + self._since(now)  # what the device has captured and we have not taken
        target = self.ctl.target
        if not self.priming and self._too_high(fill - target):  # a stall's backlog: skip it
            ring.discard(min(int(fill - target), level))
            self.resyncs += 1
            self.high = 0
            self.ctl.reset()
            level = ring.available()
            fill = level + self._since(now)
        self._measure(now)
        self.ticks += 1
        if self.priming:
            if fill < target or level < self.frame:
                out[:] = 0
                return
            ring.discard(min(int(fill - target), level - self.frame))  # start on target
            level = ring.available()
            fill = level + self._since(now)
            self.priming = False
            self.ctl.reset()  # what it smoothed before the underrun says nothing now
        step = self.ctl.update(fill)
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
        device,
        rate: int,
        block: int,
        priming: Callable[[], bool],
    ):
        super().__init__(ring, device, rate, block)
        self.ctl = DriftController(
            block + self.deadband + self.margin,
            self.deadband,
            far=block,
            step=STEP,
            clip=block // 2,
            alpha=1 / 64,
        )
        # the output callback starts playing on this (a push landed on the target, plus the
        # half block it takes at once on average); the first push after it lands exactly
        self.prime_level = int(self.ctl.target) + self.frame + block // 2
        self.priming = priming  # whether the output callback is still gathering its prebuffer
        self.skipping = False  # dropping a stall's backlog, a frame per tick
        self._was_priming = True
        self._resampler = None
        if rate != RATE:
            self._resampler = soxr.ResampleStream(RATE, rate, 1, dtype="int16", quality="HQ")

    def push(self, frame: np.ndarray, now: float) -> None:
        ring = self.ring
        if now - self.last > IDLE_S:  # the media clock was idle: measure afresh
            self._restart_clock()
        self.last = now
        self._measure(now)  # every tick counts for the clock, even one skipped below
        self.ticks += 1
        priming, started = self.priming(), self._was_priming
        self._was_priming = priming
        # what the ring holds beyond what the device has played since its last callback
        fill = ring.available() - self._since(now)
        err = int(fill - self.ctl.target)
        chunk = frame if self._resampler is None else self._resampler.resample_chunk(frame)
        if priming:  # while the output callback gathers its prebuffer the fill means nothing
            ring.write(chunk)
            return
        if started:
            self.ctl.reset()  # what it smoothed before the callback re-primed says nothing now
        if started or self.skipping or self._too_high(err):
            # playback just started, or a stall's backlog: land on the target in one cut
            # (whole frames first; the ring's consumer side belongs to the callback)
            self.skipping = err >= len(chunk)
            if self.skipping or err > self.deadband:
                if not started:
                    self.resyncs += 1
                self.high = 0
                self.ctl.reset()
                if not self.skipping:
                    ring.write(chunk[err:])
                return
            if started and err < -self.deadband:  # a short prebuffer: pad it once
                ring.write(np.zeros(-err, dtype=np.int16))
                fill -= err
                self.ctl.reset()
        step = self.ctl.update(fill)
        if step and len(chunk) > 2:
            chunk = stretch(chunk, len(chunk) + step)
        ring.write(chunk)
