"""Audio devices: list, choose by name, refresh after hot-plug; a mic level meter; a test tone.

PortAudio scans devices once, at initialisation: a headset plugged in later only appears after
``refresh_devices()`` re-initialises it, which closes every open stream — so call it between
calls, never during one. Choosing "by name" matches exactly first, then case-insensitively by
substring, so a remembered name like "Jabra Evolve2 65" still finds "Jabra Evolve2 65: USB
Audio (hw:1,0)" after a restart renumbered the devices.

sounddevice is imported by the functions that use it, not with this module: importing it
initialises PortAudio (~20 MB resident in the app process, which has no headset stream of its
own: the engine process owns those), and `LevelMeter` is needed on every call.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

Kind = Literal["input", "output"]


class NoAudioDevice(RuntimeError):
    """No usable audio device; the message is one sentence for the user."""


class DeviceNotFound(LookupError):
    """A device chosen by name is not there; the message names what is available."""


@dataclass(frozen=True)
class AudioDevice:
    name: str
    index: int
    max_in: int
    max_out: int
    default_rate: float
    hostapi: str = ""


def list_devices() -> list[AudioDevice]:
    """Every device PortAudio knows now (see ``refresh_devices`` for hot-plugged ones)."""
    import sounddevice as sd

    apis = sd.query_hostapis()
    out = []
    for d in sd.query_devices():
        out.append(
            AudioDevice(
                name=d["name"],
                index=d["index"],
                max_in=d["max_input_channels"],
                max_out=d["max_output_channels"],
                default_rate=d["default_samplerate"],
                hostapi=apis[d["hostapi"]]["name"],
            )
        )
    return out


def refresh_devices() -> list[AudioDevice]:
    """Re-initialise PortAudio so newly plugged devices show up. Closes all open streams."""
    import sounddevice as sd

    sd._terminate()
    sd._initialize()
    return list_devices()


def find_device(name: str, kind: Kind) -> AudioDevice:
    """The device called ``name`` that can do ``kind``; raises DeviceNotFound."""
    usable = [d for d in list_devices() if (d.max_in if kind == "input" else d.max_out) > 0]
    for match in (
        lambda d: d.name == name,
        lambda d: d.name.lower() == name.lower(),
        lambda d: name.lower() in d.name.lower(),
    ):
        found = [d for d in usable if match(d)]
        if found:
            return found[0]
    names = ", ".join(repr(d.name) for d in usable) or "none"
    raise DeviceNotFound(f"There is no {kind} device called {name!r} (available: {names}).")


def default_device(kind: Kind) -> AudioDevice | None:
    """PortAudio's default device for ``kind``, or the first usable one, or None."""
    import sounddevice as sd

    idx = sd.default.device[0 if kind == "input" else 1]
    devices = list_devices()
    usable = [d for d in devices if (d.max_in if kind == "input" else d.max_out) > 0]
    for d in usable:
        if d.index == idx:
            return d
    return usable[0] if usable else None


def resolve_pair(
    input_name: str | int | None, output_name: str | int | None
) -> tuple[int, int, str | None]:
    """Device indices for the headset streams plus a warning when a choice fell back.

    A remembered device that is gone falls back to the default (with a warning) rather than
    failing a call; no device at all raises NoAudioDevice.
    """
    picked: list[int] = []
    warnings: list[str] = []
    for name, kind in ((input_name, "input"), (output_name, "output")):
        dev = None
        if isinstance(name, int):
            dev = next((d for d in list_devices() if d.index == name), None)
        elif name:
            try:
                dev = find_device(name, kind)
            except DeviceNotFound as exc:
                warnings.append(f"{exc} Using the default {kind} device instead.")
        if dev is None:
            dev = default_device(kind)
        if dev is None:
            raise NoAudioDevice(
                f"No audio {kind} device was found: the call will run without a headset "
                "(the far end hears silence)."
            )
        picked.append(dev.index)
    return picked[0], picked[1], " ".join(warnings) or None


class LevelMeter:
    """RMS and peak of the most recent audio, in dBFS, for a meter polled at 10–20 Hz.

    Feed it from wherever the samples are: ``poll(reader)`` drains a ``SharedRingReader`` tap
    (its own reader, so it takes nothing from the transcriber), ``peek(ring)`` looks at the
    newest samples of an in-process ``SampleRing`` without consuming them.
    """

    def __init__(self, window_ms: int = 100, sample_rate: int = 16000) -> None:
        self._window = np.zeros(sample_rate * window_ms // 1000, dtype=np.int16)
        self.rms_dbfs = -120.0
        self.peak_dbfs = -120.0

    def feed(self, samples: np.ndarray) -> tuple[float, float]:
        tail = samples[-len(self._window) :]
        if len(tail):
            x = tail.astype(np.float64) / 32768.0
            self.rms_dbfs = _dbfs(math.sqrt(float(np.mean(x * x))))
            self.peak_dbfs = _dbfs(float(np.max(np.abs(x))))
        return self.rms_dbfs, self.peak_dbfs

    def poll(self, reader) -> tuple[float, float]:
        return self.feed(reader.read())

    def peek(self, ring) -> tuple[float, float]:
        n = ring.peek_latest(self._window)
        return self.feed(self._window[:n])


def _dbfs(x: float) -> float:
    return round(20 * math.log10(x), 1) if x > 1e-6 else -120.0


def play_test_tone(
    device: str | int | None = None,
    frequency: float = 440.0,
    seconds: float = 1.0,
    level_dbfs: float = -12.0,
    sample_rate: int = 48000,
) -> None:
    """Play a sine tone with 10 ms fades on an output device and wait until it has played."""
    import sounddevice as sd

    if isinstance(device, str):
        device = find_device(device, "output").index
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    tone = (10 ** (level_dbfs / 20)) * np.sin(2 * np.pi * frequency * t)
    fade = min(len(t) // 2, sample_rate // 100)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        tone[:fade] *= ramp
        tone[-fade:] *= ramp[::-1]
    sd.play(tone.astype(np.float32), sample_rate, device=device, blocking=True)
    time.sleep(0.05)  # let the last block leave PortAudio's buffer before the stream closes
