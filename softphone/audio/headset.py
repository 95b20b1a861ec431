"""The headset's PortAudio streams: a separate InputStream (mic) and OutputStream (ear).

The audio-callback contract
---------------------------
PortAudio calls ``_on_input`` / ``_on_output`` on its own real-time threads, every block
(10 ms by default). A late callback is an audible click for the rep, and with Python callbacks
every microsecond spent holding the GIL also delays the other stream. So a callback MAY only:

- copy samples between the device buffer and a preallocated ``SampleRing`` (NumPy slice copies),
- output silence while the ear ring primes (then drop what exceeds the prebuffer),
  zero-fill on underrun,
- bump integer counters (xruns by kind, callbacks, underruns) and store its own timing into a
  preallocated NumPy array,
- read plain attributes that other threads only rebind (the ring references, the prime target),
- once, on its first call, ask the kernel for real-time scheduling of its own thread.

A callback MUST NOT: log or print, allocate sample buffers, take a lock another thread may
hold, wait on a queue or event, emit Qt signals, touch SQLite, call Vosk or pjsua2, resample,
or raise (an exception would stop the stream). (Python itself still makes a few small objects
per call — an array view, a float from perf_counter — which CPython's small-object pools serve
without going to the system allocator; no array memory is ever allocated.) Anything slower runs on the media thread
(``AudioBridge``) or a worker thread. Separate input and output streams are used on purpose:
under pure-Python GIL load a duplex ``sd.Stream`` died for good in tests where two simplex
streams survived; ``restart_if_dead`` reopens a stream that stopped anyway.

Stopping and closing
--------------------
``start``, ``stop`` and ``restart_if_dead`` run on different threads (the engine, the bridge's
housekeeper) and take one lock: two threads closing the same stream at once made PortAudio's
ALSA backend join the stream's callback thread twice, and the second join never returned (a
call's stop hung for good). A stream is closed with ``close_streams``: PortAudio aborts it
first if it still runs, on a helper thread the caller waits for at most ``CLOSE_WAIT_S``; a
stream PortAudio does not let go of (a wedged device thread) is left behind with one logged
sentence, so ending a call never hangs on a dead headset.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

import numpy as np
import sounddevice as sd

from softphone.audio.callback_stats import TIMING_MASK, CallbackStats, count_status, raise_priority
from softphone.audio.ring import SampleRing

log = logging.getLogger(__name__)

# How long a stop waits for PortAudio to close a stream: a healthy close takes about a
# millisecond (a callback thread to join); one that takes seconds is stuck on a dead device.
CLOSE_WAIT_S = 2.0


def close_streams(
    streams: Iterable[sd.InputStream | sd.OutputStream | None], wait: float = CLOSE_WAIT_S
) -> bool:
    """Close ``streams`` (None entries skipped) on a helper thread, waiting at most ``wait``
    seconds; True if all closed. PortAudio's close aborts a stream that still runs, and on a
    stream that stopped by itself it only joins the finished callback thread, so nothing is
    aborted twice. A close that does not return in time is left to finish (or not) on its own
    thread and said in one logged sentence."""
    todo = [s for s in streams if s is not None and not s.closed]
    if not todo:
        return True

    def close_all() -> None:
        for stream in todo:
            try:
                stream.close()
            except sd.PortAudioError:
                pass  # the device is gone already; closing is all we wanted

    # the helper keeps ``todo`` referenced for as long as PortAudio holds on to a stream: its
    # callback thread may still call the stream's cffi callback, which must stay alive
    closer = threading.Thread(target=close_all, name="headset-close", daemon=True)
    closer.start()
    closer.join(wait)
    if closer.is_alive():
        log.warning(
            "The headset's audio stream did not close within %.0f s (its device stopped "
            "answering): it is left behind so the call can end.",
            wait,
        )
        return False
    return True


def _negotiate(device: int | str | None, kind: str, prefer: int) -> tuple[int, int]:
    """(rate, channels) the device accepts: ``prefer`` mono if possible (PulseAudio converts
    anything), else its default rate and/or two channels (raw ALSA hardware)."""
    check = sd.check_input_settings if kind == "input" else sd.check_output_settings
    info = sd.query_devices(device, kind)
    default_rate = int(info["default_samplerate"])
    for rate in (prefer, default_rate, 48000, 44100):
        for channels in (1, 2):
            try:
                check(device=device, samplerate=rate, channels=channels, dtype="int16")
            except (sd.PortAudioError, ValueError):
                continue
            return rate, channels
    raise sd.PortAudioError(f"The {kind} device {info['name']!r} accepts no usable format.")


class HeadsetStreams:
    """Mic → ``mic_ring`` and ``ear_ring`` → ear, mono int16 at each device's rate (16 kHz
    whenever the device takes it; ``in_rate``/``out_rate`` say what was agreed)."""

    def __init__(
        self,
        mic_ring: SampleRing | None,
        ear_ring: SampleRing | None,
        *,
        input_device: int | str | None = None,
        output_device: int | str | None = None,
        samplerate: int = 16000,
        block_ms: int = 10,
        ear_prime: int = 480,
        realtime: bool = True,
    ) -> None:
        self.mic_ring = mic_ring
        self.ear_ring = ear_ring
        self.input_device = input_device
        self.output_device = output_device
        self.in_rate, self.in_channels = (
            _negotiate(input_device, "input", samplerate) if mic_ring is not None else (0, 0)
        )
        self.out_rate, self.out_channels = (
            _negotiate(output_device, "output", samplerate) if ear_ring is not None else (0, 0)
        )
        self.in_block = self.in_rate * block_ms // 1000
        self.out_block = self.out_rate * block_ms // 1000
        self.ear_prime = ear_prime  # ear samples to gather before sound starts (and after a gap)
        self.in_stats = CallbackStats()
        self.out_stats = CallbackStats()
        self.restarts = 0
        self.failed_restarts = 0  # consecutive attempts to reopen a stream that failed
        # Ask for SCHED_FIFO on each callback thread (first callback only): other processes
        # (the coach decoding, a browser) then cannot delay the callback; without the right
        # (no CAP_SYS_NICE, no rtprio limit) it stays a normal thread and rt_* says so.
        self.realtime = realtime
        self.rt_input: bool | None = None
        self.rt_output: bool | None = None
        self._rt_in_pending = self._rt_out_pending = False
        self._ear_priming = True
        self._in: sd.InputStream | None = None
        self._out: sd.OutputStream | None = None
        self._running = False
        # start/stop/restart_if_dead: never two threads opening or closing the streams at once
        self._lifecycle = threading.Lock()

    # -- the two callbacks (see the module docstring before changing them) -----------------
    def _on_input(self, indata: np.ndarray, frames: int, time_info, status) -> None:
        t0 = time.perf_counter()
        st = self.in_stats
        if self._rt_in_pending:
            self._rt_in_pending = False
            self.rt_input = raise_priority()
        if status:
            count_status(st, status)
        self.mic_ring.write(indata[:, 0])
        st.frames += frames
        st.last = t0
        i = st.calls & TIMING_MASK
        st.starts[i] = t0
        st.durations[i] = time.perf_counter() - t0
        st.calls += 1

    def _on_output(self, outdata: np.ndarray, frames: int, time_info, status) -> None:
        t0 = time.perf_counter()
        st = self.out_stats
        if self._rt_out_pending:
            self._rt_out_pending = False
            self.rt_output = raise_priority()
        if status:
            count_status(st, status)
        ring = self.ear_ring
        if self._ear_priming:
            level = ring.available()
            if level >= self.ear_prime:  # start exactly on the prebuffer: no early corrections
                ring.discard(level - self.ear_prime)
                self._ear_priming = False
        if self._ear_priming:
            outdata.fill(0)
        else:
            if ring.read_into(outdata[:, 0]) < frames:
                self._ear_priming = True  # ran dry: gather a prebuffer again before playing on
            if self.out_channels > 1:
                outdata[:, 1:] = outdata[:, :1]
        st.frames += frames
        st.last = t0
        i = st.calls & TIMING_MASK
        st.starts[i] = t0
        st.durations[i] = time.perf_counter() - t0
        st.calls += 1

    # -- lifecycle (never called from a callback) ------------------------------------------
    def _open_input(self) -> sd.InputStream:
        self._rt_in_pending = self.realtime  # every stream has a callback thread of its own
        return sd.InputStream(
            device=self.input_device,
            samplerate=self.in_rate,
            blocksize=self.in_block,
            channels=self.in_channels,
            dtype="int16",
            latency="low",
            callback=self._on_input,
        )

    def _open_output(self) -> sd.OutputStream:
        self._rt_out_pending = self.realtime
        return sd.OutputStream(
            device=self.output_device,
            samplerate=self.out_rate,
            blocksize=self.out_block,
            channels=self.out_channels,
            dtype="int16",
            latency="low",
            callback=self._on_output,
        )

    def start(self) -> None:
        """Open and start whichever streams have a ring."""
        with self._lifecycle:
            self._running = True
            if self.mic_ring is not None and self._in is None:
                self._in = self._start_fresh(self._open_input)
            if self.ear_ring is not None and self._out is None:
                self._ear_priming = True
                self._out = self._start_fresh(self._open_output)

    def stop(self) -> None:
        """Close both streams; returns within about ``CLOSE_WAIT_S`` even if PortAudio does
        not (see the module docstring). Safe from any thread, any number of times."""
        with self._lifecycle:
            self._running = False
            streams = (self._in, self._out)
            self._in = self._out = None
            close_streams(streams)

    @staticmethod
    def _start_fresh(opener):
        """Open and start a stream; one that opens but cannot start is closed again."""
        stream = opener()
        try:
            stream.start()
        except sd.PortAudioError:
            close_streams([stream])
            raise
        return stream

    @property
    def priming(self) -> bool:
        """True while the output callback gathers its prebuffer (no sound yet)."""
        return self._ear_priming

    @property
    def active(self) -> bool:
        """Every stream that has a ring is open and running."""
        for ring, stream in ((self.mic_ring, self._in), (self.ear_ring, self._out)):
            if ring is None:
                continue
            try:
                if stream is None or not stream.active:
                    return False
            except sd.PortAudioError:
                return False
        return True

    def restart_if_dead(self) -> bool:
        """Reopen a stream PortAudio stopped (device error, ALSA poll failure); True if one
        was reopened. A device that cannot be reopened counts in ``failed_restarts`` (reset
        by the next success) and is tried again on the next call."""
        with self._lifecycle:
            if not self._running:
                return False
            restarted = False
            for attr, ring, opener in (
                ("_in", self.mic_ring, self._open_input),
                ("_out", self.ear_ring, self._open_output),
            ):
                if ring is None:
                    continue
                stream = getattr(self, attr)
                if stream is not None:
                    try:
                        if stream.active:
                            continue
                    except sd.PortAudioError:
                        pass  # a stream PortAudio already tore down: reopen it
                    # dropped first: a dead stream is closed once, never again
                    setattr(self, attr, None)
                    close_streams([stream])
                try:
                    if attr == "_out":
                        self._ear_priming = True
                    fresh = self._start_fresh(opener)
                except sd.PortAudioError:
                    self.failed_restarts += 1
                    continue
                setattr(self, attr, fresh)
                self.restarts += 1
                self.failed_restarts = 0
                restarted = True
            return restarted

    def latencies(self) -> dict:
        """PortAudio's own latency figures (seconds) for the open streams."""
        return {
            "input_s": self._in.latency if self._in is not None else None,
            "output_s": self._out.latency if self._out is not None else None,
        }
