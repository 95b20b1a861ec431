"""Voice sources for the call other than the headset: a WAV file played as the rep's voice
(``--play``), loaded and resampled once up front so the media thread only copies slices."""

from __future__ import annotations

import os

import numpy as np
import soundfile
import soxr


class AudioFileError(ValueError):
    """A voice file that cannot be played; the message is one sentence for the user."""


def load_voice(path: str, rate: int = 16000) -> np.ndarray:
    """Read any soundfile-readable file as mono int16 at ``rate``."""
    if not os.path.isfile(path):
        raise AudioFileError(f"Cannot read the audio file {path}: there is no such file.")
    try:
        data, file_rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (OSError, RuntimeError, soundfile.LibsndfileError) as exc:
        why = str(exc).split(": ")[-1].rstrip(".").lower() or "unknown format"
        raise AudioFileError(f"Cannot read the audio file {path}: {why}.") from None
    mono = data.mean(axis=1)
    if file_rate != rate and len(mono):
        mono = soxr.resample(mono, file_rate, rate, quality="HQ")
    return np.clip(np.round(mono * 32767.0), -32768, 32767).astype(np.int16)


class FileSource:
    """Hands out consecutive frames of preloaded samples; zeros (or a loop) after the end."""

    def __init__(self, samples: np.ndarray, loop: bool = False) -> None:
        self.samples = samples
        self.loop = loop and len(samples) > 0
        self.pos = 0

    @property
    def finished(self) -> bool:
        return not self.loop and self.pos >= len(self.samples)

    def fill(self, out: np.ndarray) -> None:
        n = len(out)
        done = 0
        while done < n:
            left = len(self.samples) - self.pos
            if left <= 0:
                if not self.loop:
                    out[done:] = 0
                    return
                self.pos = 0
                continue
            k = min(left, n - done)
            out[done : done + k] = self.samples[self.pos : self.pos + k]
            self.pos += k
            done += k
