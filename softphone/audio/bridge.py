"""AudioBridge: between the rep's headset (or a WAV file, or silence) and the pjsua2 media port.

pjsua2's media clock thread calls ``pull_mic_frame`` (what the rep says, sent to the call) and
``push_far_frame`` (what the prospect says, played to the rep) every 20 ms with 320-sample
16 kHz frames. The headset's PortAudio streams run on their own clock and only copy into or out
of two ``SampleRing``s (see ``headset.py``); priming, drift correction and resampling happen on
the media thread (``headset_path.py``). The bridge also applies mute, feeds the two
shared-memory taps (rep, prospect) and hands both channels to the recorder.

A housekeeping thread ("audio-housekeeper", fed by a queue, stopped by a sentinel) writes the
recording every ~200 ms, reopens a headset stream that PortAudio stopped, and about once a second
checks which PulseAudio device the streams are really on (``pulse_route.HeadsetRoute``): a
headset unplugged mid-call (PulseAudio quietly moves the streams to the fallback device) and its
return (the streams are moved back) each reach ``on_headset(state, sentence)``; so does a headset whose stream cannot
be reopened for ~2 s (the call falls back to silence: ``"silent"``).

The headset is switched (``use_*``), started, stopped and given up on by the housekeeper under
one lock, so two threads never close the same streams (that hung a call's stop in PortAudio);
``stop`` stops the housekeeper before the headset and returns within a few seconds even when
PortAudio does not (``headset.close_streams``).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

import numpy as np

from softphone.audio.headset_path import FRAME, RATE, EarPath, MicPath
from softphone.audio.pulse_route import HeadsetRoute
from softphone.audio.recorder import StereoRecorder
from softphone.audio.ring import SampleRing
from softphone.audio.shm_ring import SharedRingWriter
from softphone.audio.sources import FileSource, load_voice

log = logging.getLogger(__name__)

__all__ = ["FRAME", "RATE", "AudioBridge"]
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
        device_rate: int = RATE,
    ) -> None:
        self.rep_tap = rep_tap
        self.prospect_tap = prospect_tap
        # Set or swap at any time (e.g. at call start, None at call end); the housekeeper
        # writes to whichever recorder is set when it drains, every ~200 ms.
        self.recorder = recorder
        self.block_ms = block_ms
        self.device_rate = device_rate  # asked of the device; other rates are resampled (soxr)
        self.mode = "null"
        self.warning: str | None = "No audio source chosen yet: the call hears silence."
        self._muted = False
        self._headset = None
        self._mic: MicPath | None = None
        self._ear: EarPath | None = None
        self._file: FileSource | None = None
        self._rec_rep = SampleRing(RATE * 8)
        self._rec_far = SampleRing(RATE * 8)
        self._out = np.zeros(FRAME, dtype=np.int16)
        self._silence = bytes(2 * FRAME)
        self._pull_timing = _Timing()
        self._push_timing = _Timing()
        self._jobs: queue.Queue = queue.Queue()
        self._worker: threading.Thread | None = None
        self._route: HeadsetRoute | None = None
        # the engine thread and the housekeeper both switch and stop the headset: one at a time
        self._config = threading.RLock()
        # Called on the housekeeper thread with ("unplugged"|"silent"|"back", sentence) when
        # the headset's device disappears mid-call or comes back; must not block (a queue put).
        self.on_headset: Callable[[str, str], None] | None = None
        self.errors = 0

    # -- configuration (app/engine threads, between calls or at call start) ----------------
    def use_headset(
        self, input_device: str | int | None = None, output_device: str | int | None = None
    ) -> None:
        """Use the headset through PortAudio. A remembered device that is gone falls back to
        the default one; no audio device at all falls back to silence. Both with a warning."""
        with self._config:
            self._use_headset(input_device, output_device)

    def _use_headset(self, input_device: str | int | None, output_device: str | int | None) -> None:
        from softphone.audio.devices import NoAudioDevice, resolve_pair
        from softphone.audio.headset import HeadsetStreams

        was_running = self._worker is not None
        self._close_headset()
        try:
            in_idx, out_idx, warning = resolve_pair(input_device, output_device)
        except NoAudioDevice as exc:
            self.use_silence(str(exc))
            return
        mic_ring, ear_ring = SampleRing(RATE * 12), SampleRing(RATE * 12)  # 2 s at 96 kHz
        hs = HeadsetStreams(
            mic_ring,
            ear_ring,
            input_device=in_idx,
            output_device=out_idx,
            samplerate=self.device_rate,
            block_ms=self.block_ms,
        )
        self._mic = MicPath(mic_ring, hs.in_stats, hs.in_rate, hs.in_block)
        self._ear = EarPath(ear_ring, hs.out_stats, hs.out_rate, hs.out_block, lambda: hs.priming)
        hs.ear_prime = self._ear.prime_level
        self._headset = hs
        self._route = HeadsetRoute(self._headset_moved)
        self._file = None
        self.warning = warning
        if warning:
            log.warning(warning)
        if was_running:
            hs.start()
        self.mode = "headset"  # last: the media thread only looks at a complete setup

    def use_file(self, wav_path: str, loop: bool = False) -> None:
        """Play a WAV (any rate/channels, resampled to 16 kHz mono) as the rep's voice."""
        source = FileSource(load_voice(wav_path, RATE), loop=loop)
        with self._config:
            self._close_headset()
            self._file = source
            self.warning = None
            self.mode = "file"

    def use_silence(self, reason: str | None = None) -> None:
        """No headset at all: the call sends silence and the far end is only tapped/recorded."""
        # the sentence first: whoever sees the mode turn "null" finds the reason beside it
        self.warning = reason or "No audio device is in use: the call runs on silence."
        with self._config:
            self._close_headset()
            self._file = None
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
        with self._config:
            if self._worker is not None:
                return
            if self._headset is not None:
                self._headset.start()
            # a queue per housekeeper: a stop sentinel it never took cannot end the next one
            self._jobs = queue.Queue()
            self._worker = threading.Thread(
                target=self._housekeep, args=(self._jobs,), name="audio-housekeeper"
            )
            self._worker.daemon = True
            self._worker.start()

    def stop(self) -> None:
        """Stop the housekeeper, then the headset's streams; bounded even on a dead device."""
        with self._config:
            worker, jobs, self._worker = self._worker, self._jobs, None
        if worker is not None:
            # first: a housekeeper reopening or giving up on the headset finishes that before
            # the streams are closed here (it takes the same lock; joining under it would wait
            # out the timeout)
            jobs.put(_STOP)
            worker.join(timeout=5)
        with self._config:
            if self._headset is not None:
                self._headset.stop()
        self._drain_recording(final=True)

    def _close_headset(self) -> None:
        self.mode = "null"  # first: the media thread stops using the old paths
        self._route = None
        if self._headset is not None:
            self._headset.stop()
            self._headset = None

    # -- the media clock thread (pjsua2 onFrameRequested / onFrameReceived) ----------------
    def pull_mic_frame(self) -> bytes:
        """Exactly 640 bytes (320 int16 samples) for the call; silence on underrun."""
        t0 = time.perf_counter()
        out = self._out
        try:
            mode = self.mode
            if mode == "headset":
                self._mic.pull(out, t0)
            elif mode == "file":
                self._file.fill(out)
            else:
                out[:] = 0
            if self._muted:
                out[:] = 0
            if self.rep_tap is not None:
                self.rep_tap.write(out)
            self._rec_rep.write(out)  # always: the housekeeper drains it, recording or not
            data = out.tobytes()
        except Exception:  # noqa: BLE001 - never let an error reach pjsua2's callback
            self.errors += 1
            data = self._silence
        self._pull_timing.add(time.perf_counter() - t0)
        return data

    def push_far_frame(self, pcm: bytes) -> None:
        """640 bytes from the far end (an empty frame counts as 20 ms of silence)."""
        t0 = time.perf_counter()
        try:
            frame = np.frombuffer(pcm, dtype="<i2") if pcm else np.zeros(FRAME, np.int16)
            if self.prospect_tap is not None:
                self.prospect_tap.write(frame)
            self._rec_far.write(frame)
            if self.mode == "headset":
                self._ear.push(frame, t0)
        except Exception:  # noqa: BLE001 - never let an error reach pjsua2's callback
            self.errors += 1
        self._push_timing.add(time.perf_counter() - t0)

    # -- housekeeping thread ---------------------------------------------------------------
    def _housekeep(self, jobs: queue.Queue) -> None:
        while True:
            try:
                job = jobs.get(timeout=0.2)
            except queue.Empty:
                job = None
            if job is _STOP:
                return
            try:
                self._drain_recording()
                self._watch_headset()
            except Exception:
                log.exception("Audio housekeeping failed")

    def _watch_headset(self) -> None:
        hs = self._headset
        if hs is None:
            return
        if hs.restart_if_dead():
            log.warning("A headset stream stopped and was reopened.")
        elif hs.failed_restarts >= 10:  # about 2 s: the headset is gone (unplugged)
            sentence = (
                "The headset stopped working: the call goes on without it (the other side "
                "hears silence). Plug it back in and choose it again."
            )
            with self._config:
                if self._headset is not hs:
                    return  # another device was chosen meanwhile: that one stays
                self.use_silence(sentence)
            self._notify("silent", sentence)
            return
        route = self._route
        if route is not None and self.mode == "headset":
            route.poll()  # ~1 Hz, a few ms of pactl; calls _headset_moved on a change

    def _headset_moved(self, state: str, sentence: str) -> None:
        """The headset's PulseAudio device went away (the streams play elsewhere now) or came
        back (the streams were moved back to it). Housekeeper thread."""
        log.warning("%s", sentence)
        self.warning = None if state == "back" else sentence
        self._notify(state, sentence)

    def _notify(self, state: str, sentence: str) -> None:
        notify = self.on_headset
        if notify is not None:
            try:
                notify(state, sentence)
            except Exception:
                log.exception("on_headset failed")

    def _drain_recording(self, final: bool = False) -> None:
        # The rings are drained whether or not a recorder is set, so no audio from before a
        # recording started (or from the previous call) is ever left over for the next one.
        # ``recorder`` may be swapped by another thread at any time: read it once.
        rec = self.recorder
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
        if rec is not None:
            rec.write(rep, far)

    # -- statistics ------------------------------------------------------------------------
    def reset_stats(self) -> None:
        """Zero the counters and timings (e.g. at call start); the audio keeps flowing."""
        for path in (self._mic, self._ear):
            if path is not None:
                path.reset_counters()
        self.errors = 0
        self._pull_timing = _Timing()
        self._push_timing = _Timing()
        if self._headset is not None:
            # the callbacks may bump a counter concurrently: at worst one count survives
            self._headset.in_stats.reset()
            self._headset.out_stats.reset()
            self._headset.restarts = 0

    def stats(self) -> dict:
        """Plain JSON-able numbers: per-ring levels, under/overruns, drift, corrections,
        callback and media-thread timings."""
        hs = self._headset
        headset = self.mode == "headset" and hs is not None
        return {
            "mode": self.mode,
            "warning": self.warning,
            "muted": self._muted,
            "block_ms": self.block_ms,  # the headset's PortAudio block, as asked
            "input_block": hs.in_block if headset else None,  # samples per callback, as opened
            "output_block": hs.out_block if headset else None,
            "mic": self._mic.summary() if headset else None,
            "ear": self._ear.summary() if headset else None,
            "input_callback": hs.in_stats.summary() if headset else None,
            "output_callback": hs.out_stats.summary() if headset else None,
            "stream_restarts": hs.restarts if headset else 0,
            "route": self._route.summary() if headset and self._route is not None else None,
            "realtime_threads": {"input": hs.rt_input, "output": hs.rt_output} if headset else None,
            "pull": self._pull_timing.summary(),
            "push": self._push_timing.summary(),
            "errors": self.errors,
        }


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
