"""AudioBridge: between the rep's headset (or a WAV file, or silence) and the pjsua2 media port.

pjsua2's media clock thread calls ``pull_mic_frame`` (what the rep says, sent to the call) and
``push_far_frame`` (what the prospect says, played to the rep) every 20 ms with 320-sample
16 kHz frames. The headset's PortAudio streams run on their own clock and only copy into or out
of two ``SampleRing``s (see ``headset.py``). Everything else happens here on the media thread,
with NumPy and no per-sample Python: priming (a prebuffer of ~1.5 frames), drift measurement
and one-sample corrections (``drift.py``), re-synchronising after the clock stopped, mute,
the two shared-memory taps, and handing frames to the recorder thread.

A housekeeping thread ("audio-housekeeper", fed by a queue, stopped by a sentinel) writes the
recording and reopens a headset stream that PortAudio stopped.
"""

from __future__ import annotations

import logging
import queue
import threading
import time

import numpy as np

from softphone.audio.drift import DriftController, DriftEstimator, stretch
from softphone.audio.recorder import StereoRecorder
from softphone.audio.ring import SampleRing
from softphone.audio.shm_ring import SharedRingWriter
from softphone.audio.sources import FileSource, load_voice

log = logging.getLogger(__name__)

RATE = 16000
FRAME = 320  # 20 ms at 16 kHz: pjsua2's conference bridge frame
_STOP = object()


class AudioBridge:
    """Feeds the call from the headset/file/silence and the headset from the call."""

    def __init__(
        self,
        *,
        rep_tap: SharedRingWriter | None = None,
        prospect_tap: SharedRingWriter | None = None,
        recorder: StereoRecorder | None = None,
        block_ms: int = 10,
        target_ms: float | None = None,
    ) -> None:
        self.rep_tap = rep_tap
        self.prospect_tap = prospect_tap
        self.recorder = recorder
        self.block = RATE * block_ms // 1000
        # Targets are ring levels seen just before each 20 ms pull/push. Devices deliver whole
        # blocks, so when the two clocks slip by a block the level steps by one block; the
        # low point (target - deadband - block) must still hold a frame for the pull (mic) or
        # a block for the last callback before a push (ear), with 5 ms to spare.
        self.deadband = 32
        margin = RATE // 200
        self.mic_target = FRAME + self.block + self.deadband + margin
        self.ear_target = 2 * self.block + self.deadband + margin
        if target_ms:  # an explicit mic target; the ear keeps the same distance to empty
            self.mic_target = int(RATE * target_ms / 1000)
            self.ear_target = max(self.mic_target - FRAME + self.block, 2 * self.block)
        self.mode = "null"
        self.warning: str | None = "No audio source chosen yet: the call hears silence."
        self._muted = False
        self._headset = None
        self._file: FileSource | None = None
        self._mic_ring = SampleRing(RATE * 2)
        self._ear_ring = SampleRing(RATE * 2)
        self._rec_rep = SampleRing(RATE * 8)
        self._rec_far = SampleRing(RATE * 8)
        self._mic_frame = np.zeros(FRAME + 2, dtype=np.int16)
        self._silence = bytes(2 * FRAME)
        self._reset_media_state()
        self._pull_timing = _Timing()
        self._push_timing = _Timing()
        self._jobs: queue.Queue = queue.Queue()
        self._worker: threading.Thread | None = None
        self.errors = 0

    # -- configuration (app/engine threads, between calls or at call start) ----------------
    def _reset_media_state(self) -> None:
        self._mic_ctl = DriftController(self.mic_target, self.deadband, far=self.block)
        self._ear_ctl = DriftController(self.ear_target, self.deadband, far=self.block)
        self._mic_est = DriftEstimator()
        self._ear_est = DriftEstimator()
        self._mic_priming = True
        self._pulls = 0
        self._pushes = 0
        self._mic_f0 = 0
        self._ear_f0 = 0
        self._last_pull = 0.0
        self._last_push = 0.0
        self.mic_resyncs = 0
        self.ear_resyncs = 0

    def use_headset(
        self, input_device: str | int | None = None, output_device: str | int | None = None
    ) -> None:
        """Use the headset through PortAudio; falls back to silence (with a warning) if no
        audio device exists at all."""
        from softphone.audio.devices import NoAudioDevice, resolve_pair  # sounddevice is lazy

        was_running = self._worker is not None
        self._close_headset()
        try:
            in_idx, out_idx, warning = resolve_pair(input_device, output_device)
        except NoAudioDevice as exc:
            self.use_silence(str(exc))
            return
        from softphone.audio.headset import HeadsetStreams

        self._headset = HeadsetStreams(
            self._mic_ring,
            self._ear_ring,
            input_device=in_idx,
            output_device=out_idx,
            samplerate=RATE,
            blocksize=self.block,
            ear_prime=self.ear_target + FRAME,  # a push landed on top of the target level
        )
        self._file = None
        self.mode = "headset"
        self.warning = warning
        if warning:
            log.warning(warning)
        self._reset_media_state()
        if was_running:
            self._headset.start()

    def use_file(self, wav_path: str, loop: bool = False) -> None:
        """Play a WAV (any rate/channels, resampled to 16 kHz mono) as the rep's voice."""
        source = FileSource(load_voice(wav_path, RATE), loop=loop)
        self._close_headset()
        self._file = source
        self.mode = "file"
        self.warning = None

    def use_silence(self, reason: str | None = None) -> None:
        """No headset at all: the call sends silence and the far end is only tapped/recorded."""
        self._close_headset()
        self._file = None
        self.mode = "null"
        self.warning = reason or "No audio device is in use: the call runs on silence."
        log.warning(self.warning)

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)

    @property
    def muted(self) -> bool:
        return self._muted

    @property
    def file_finished(self) -> bool:
        """True once a non-looping ``use_file`` source has been played to its end."""
        return self._file is not None and self._file.finished

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self._worker is not None:
            return
        self._reset_media_state()
        if self._headset is not None:
            self._headset.start()
        self._worker = threading.Thread(target=self._housekeep, name="audio-housekeeper")
        self._worker.daemon = True
        self._worker.start()

    def stop(self) -> None:
        self._close_headset(keep=True)
        if self._worker is not None:
            self._jobs.put(_STOP)
            self._worker.join(timeout=5)
            self._worker = None
        self._drain_recording(final=True)

    def _close_headset(self, keep: bool = False) -> None:
        if self._headset is not None:
            self._headset.stop()
            if not keep:
                self._headset = None

    # -- the media clock thread (pjsua2 onFrameRequested / onFrameReceived) ----------------
    def pull_mic_frame(self) -> bytes:
        """Exactly 640 bytes (320 int16 samples) for the call; silence on underrun."""
        t0 = time.perf_counter()
        try:
            out = self._mic_frame[:FRAME]
            if self.mode == "headset":
                out = self._pull_headset(t0)
            elif self.mode == "file" and self._file is not None:
                self._file.fill(out)
            else:
                out[:] = 0
            if self._muted:
                out[:] = 0
            if self.rep_tap is not None:
                self.rep_tap.write(out)
            if self.recorder is not None:
                self._rec_rep.write(out)
            data = out.tobytes()
        except Exception:  # noqa: BLE001 - never let an error reach pjsua2's callback
            self.errors += 1
            data = self._silence
        self._pulls += 1
        self._last_pull = t0
        self._pull_timing.add(time.perf_counter() - t0)
        return data

    def _pull_headset(self, now: float) -> np.ndarray:
        ring = self._mic_ring
        if now - self._last_pull > 0.2:  # the media clock was idle: start from a fresh prebuffer
            self._resync_mic()
        level = ring.available()
        if level > self.mic_target + 4 * FRAME:  # a backlog (a stall): skip it, keep latency low
            ring.discard(level - self.mic_target)
            self.mic_resyncs += 1
            self._mic_ctl.reset()
            level = ring.available()
        device = self._headset.in_stats.frames - self._mic_f0
        self._mic_est.add(self._pulls * FRAME, device - self._pulls * FRAME)
        out = self._mic_frame[:FRAME]
        if self._mic_priming:
            if level < self.mic_target:
                out[:] = 0
                return out
            ring.discard(level - self.mic_target)  # start exactly on target: no early fixes
            level = self.mic_target
            self._mic_priming = False
        step = self._mic_ctl.update(level)
        if step == 0:
            if ring.read_into(out) < FRAME:
                self._mic_priming = True
            return out
        buf = self._mic_frame[: FRAME - step]  # too full: read 321 (322) into 320; too empty: 319
        if ring.read_into(buf) < len(buf):
            self._mic_priming = True
        return stretch(buf, FRAME)

    def _resync_mic(self) -> None:
        ring = self._mic_ring
        excess = ring.available() - self.mic_target
        if excess > 0:
            ring.discard(excess)
        self._mic_priming = True
        self._mic_ctl.reset()
        self._mic_est.reset()
        self._pulls = 0
        self._mic_f0 = self._headset.in_stats.frames

    def push_far_frame(self, pcm: bytes) -> None:
        """640 bytes from the far end (an empty frame counts as 20 ms of silence)."""
        t0 = time.perf_counter()
        try:
            frame = np.frombuffer(pcm, dtype="<i2") if pcm else np.zeros(FRAME, np.int16)
            if self.prospect_tap is not None:
                self.prospect_tap.write(frame)
            if self.recorder is not None:
                self._rec_far.write(frame)
            if self.mode == "headset":
                self._push_headset(frame, t0)
        except Exception:  # noqa: BLE001 - never let an error reach pjsua2's callback
            self.errors += 1
        self._pushes += 1
        self._last_push = t0
        self._push_timing.add(time.perf_counter() - t0)

    def _push_headset(self, frame: np.ndarray, now: float) -> None:
        ring = self._ear_ring
        hs = self._headset
        if now - self._last_push > 0.2:  # the media clock was idle: measure afresh
            self._ear_ctl.reset()
            self._ear_est.reset()
            self._pushes = 0
            self._ear_f0 = hs.out_stats.frames
        level = ring.available()
        if level > self.ear_target + 4 * FRAME:  # the ear fell behind: skip frames to catch up
            self.ear_resyncs += 1
            self._ear_ctl.reset()
            return
        device = hs.out_stats.frames - self._ear_f0
        self._ear_est.add(self._pushes * FRAME, device - self._pushes * FRAME)
        # while the output callback gathers its prebuffer the level says nothing about drift
        step = 0 if hs._ear_priming else self._ear_ctl.update(level)
        if step != 0 and len(frame) == FRAME:
            frame = stretch(frame, FRAME + step)
        ring.write(frame)

    # -- housekeeping thread ---------------------------------------------------------------
    def _housekeep(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=0.2)
            except queue.Empty:
                job = None
            if job is _STOP:
                return
            try:
                self._drain_recording()
                if self._headset is not None and self._headset.restart_if_dead():
                    log.warning("A headset stream stopped and was reopened.")
            except Exception:
                log.exception("Audio housekeeping failed")

    def _drain_recording(self, final: bool = False) -> None:
        rec = self.recorder
        if rec is None:
            return
        a, b = self._rec_rep.available(), self._rec_far.available()
        n = min(a, b)
        # One side silent for long (no far frames, e.g. before media flows): pad it.
        if final or max(a, b) - n > RATE // 2:
            n = max(a, b)
        if n <= 0:
            return
        rep = np.zeros(n, dtype=np.int16)
        far = np.zeros(n, dtype=np.int16)
        self._rec_rep.read_into(rep, partial_ok=True)
        self._rec_far.read_into(far, partial_ok=True)
        rec.write(rep, far)

    # -- statistics ------------------------------------------------------------------------
    def reset_stats(self) -> None:
        """Zero the counters and timings (e.g. at call start); the audio keeps flowing."""
        for ring in (self._mic_ring, self._ear_ring):
            ring.reset_counters()
        for ctl in (self._mic_ctl, self._ear_ctl):
            ctl.inserted = ctl.dropped = 0
        self.mic_resyncs = self.ear_resyncs = self.errors = 0
        self._pull_timing = _Timing()
        self._push_timing = _Timing()
        if self._headset is not None:
            # the callbacks may bump a counter concurrently: at worst one count survives
            self._headset.in_stats.reset()
            self._headset.out_stats.reset()
            self._headset.restarts = 0

    def stats(self) -> dict:
        hs = self._headset
        return {
            "mode": self.mode,
            "warning": self.warning,
            "muted": self._muted,
            "mic_target_ms": round(self.mic_target / RATE * 1000, 1),
            "ear_target_ms": round(self.ear_target / RATE * 1000, 1),
            "mic": {
                "level": self._mic_ring.available(),
                "overruns": self._mic_ring.overruns,
                "underruns": self._mic_ring.underruns,
                "resyncs": self.mic_resyncs,
                "drift_ppm": _round(self._mic_est.ppm),
                "inserted": self._mic_ctl.inserted,
                "dropped": self._mic_ctl.dropped,
                "corrections": self._mic_ctl.corrections,
            },
            "ear": {
                "level": self._ear_ring.available(),
                "overruns": self._ear_ring.overruns,
                "underruns": self._ear_ring.underruns,
                "resyncs": self.ear_resyncs,
                "drift_ppm": _round(self._ear_est.ppm),
                "inserted": self._ear_ctl.inserted,
                "dropped": self._ear_ctl.dropped,
                "corrections": self._ear_ctl.corrections,
            },
            "input_callback": hs.in_stats.summary() if hs else None,
            "output_callback": hs.out_stats.summary() if hs else None,
            "stream_restarts": hs.restarts if hs else 0,
            "realtime_threads": {"input": hs.rt_input, "output": hs.rt_output} if hs else None,
            "pull": self._pull_timing.summary(),
            "push": self._push_timing.summary(),
            "errors": self.errors,
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


class _Timing:
    """Durations of the media-thread calls, in a preallocated ring."""

    def __init__(self, slots: int = 1 << 15) -> None:
        self._d = np.zeros(slots, dtype=np.float64)
        self._n = 0

    def add(self, seconds: float) -> None:
        self._d[self._n % len(self._d)] = seconds
        self._n += 1

    def summary(self) -> dict:
        n = min(self._n, len(self._d))
        if not n:
            return {"calls": 0}
        d = self._d[:n] * 1000.0
        return {
            "calls": self._n,
            "p50_ms": round(float(np.percentile(d, 50)), 4),
            "p99_ms": round(float(np.percentile(d, 99)), 4),
            "max_ms": round(float(d.max()), 4),
        }
