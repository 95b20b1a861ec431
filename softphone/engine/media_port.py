"""The pjsua2 AudioMediaPort that connects a call to the AudioBridge, and its timing counters.

`onFrameRequested` / `onFrameReceived` run on pjmedia's clock thread every 20 ms (320 int16
samples at 16 kHz). They only hand 640-byte frames to and from the bridge, time themselves
into a preallocated array, and catch every exception (one escaping into SWIG keeps the port
alive past libDestroy and aborts the process at exit).

Reading `frame.buf` with `bytes()` costs one SWIG call per byte (0.55 ms per frame); instead
we read the std::vector's data pointer with ctypes (libstdc++ layout: begin, end, capacity),
after checking once against the slow path, and fall back to `bytes()` if they ever disagree.
"""

from __future__ import annotations

import ctypes
import time

import numpy as np
import pjsua2 as pj

from softphone.audio.callback_stats import raise_priority

FRAME_SAMPLES = 320
FRAME_BYTES = FRAME_SAMPLES * 2
_TIMINGS = 1 << 16  # about 22 minutes of frames per direction


class _VectorReader:
    """Copies a SWIG ByteVector into bytes without a Python call per element."""

    def __init__(self) -> None:
        self.fast: bool | None = None  # None until checked against bytes()

    def __call__(self, vec: pj.ByteVector) -> bytes:
        if self.fast is False:
            return bytes(vec)
        addr = int(vec.this)
        begin = ctypes.c_void_p.from_address(addr).value or 0
        end = ctypes.c_void_p.from_address(addr + ctypes.sizeof(ctypes.c_void_p)).value or 0
        n = end - begin
        if not begin or n < 0 or n > 1 << 20:
            self.fast = False
            return bytes(vec)
        data = ctypes.string_at(begin, n)
        if self.fast is None:
            self.fast = data == bytes(vec)
            if not self.fast:
                return bytes(vec)
        return data


class BridgePort(pj.AudioMediaPort):
    """Conference-bridge port: far-end audio into the bridge, the rep's audio out of it."""

    def __init__(self, bridge) -> None:  # AudioBridge or None (silence)
        super().__init__()
        self.bridge = bridge
        self._read = _VectorReader()
        self._silence = bytes(FRAME_BYTES)
        self.req_times = np.zeros(_TIMINGS, dtype=np.float32)  # seconds per callback
        self.rx_times = np.zeros(_TIMINGS, dtype=np.float32)
        self.req_count = 0
        self.rx_count = 0
        self.errors = 0
        self.last_error = ""
        self.realtime: bool | None = None  # did the clock thread get SCHED_FIFO?

    def create(self, name: str = "callcoach") -> None:
        fmt = pj.MediaFormatAudio()
        fmt.type = pj.PJMEDIA_TYPE_AUDIO
        fmt.clockRate = 16000
        fmt.channelCount = 1
        fmt.bitsPerSample = 16
        fmt.frameTimeUsec = 20000
        fmt.init(pj.PJMEDIA_FORMAT_PCM, 16000, 1, 20000, 16)
        self.createPort(name, fmt)

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:  # pjsua2 API
        t0 = time.perf_counter()
        if self.realtime is None:
            # SCHED_FIFO for pjmedia's clock thread: other processes' load must not delay the tick
            self.realtime = raise_priority()
        try:
            data = self.bridge.pull_mic_frame() if self.bridge is not None else self._silence
            frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
            frame.buf = pj.ByteVector(data)
            frame.size = len(data)
        except BaseException as e:  # noqa: BLE001 - nothing may escape into SWIG
            self.errors += 1
            self.last_error = repr(e)
        self.req_times[self.req_count & (_TIMINGS - 1)] = time.perf_counter() - t0
        self.req_count += 1

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:  # pjsua2 API
        t0 = time.perf_counter()
        try:
            if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and self.bridge is not None:
                data = self._read(frame.buf)
                if len(data) == FRAME_BYTES:
                    self.bridge.push_far_frame(data)
        except BaseException as e:  # noqa: BLE001 - nothing may escape into SWIG
            self.errors += 1
            self.last_error = repr(e)
        self.rx_times[self.rx_count & (_TIMINGS - 1)] = time.perf_counter() - t0
        self.rx_count += 1

    def reset_stats(self) -> None:
        self.req_count = self.rx_count = self.errors = 0

    def timing_stats(self) -> dict:
        """Callback durations in milliseconds (p50/p99/max) for both directions."""
        out: dict = {
            "fast_read": self._read.fast,
            "errors": self.errors,
            "realtime_clock": self.realtime,
        }
        for name, arr, n in (
            ("requested", self.req_times, self.req_count),
            ("received", self.rx_times, self.rx_count),
        ):
            vals = arr[: min(n, _TIMINGS)]
            out[name] = {
                "frames": n,
                "p50_ms": float(np.percentile(vals, 50) * 1e3) if n else None,
                "p99_ms": float(np.percentile(vals, 99) * 1e3) if n else None,
                "max_ms": float(vals.max() * 1e3) if n else None,
            }
        return out
