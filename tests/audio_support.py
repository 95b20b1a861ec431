"""Helpers for the audio tests: speech to inject, the virtual headset's two ends (paplay into
micfeed = the rep talking, parecord of headset.monitor = what the rep hears), and a chunked
cross-correlation that tolerates the bridge's one-sample drift corrections."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import soundfile

RATE = 16000


def speech_wav(tmp: Path, text: str | None = None) -> tuple[Path, np.ndarray]:
    """A few seconds of synthetic speech (espeak-ng) as a 16 kHz mono int16 WAV."""
    raw = tmp / "speech_raw.wav"
    wav = tmp / "speech.wav"
    text = text or (
        "Hello, this is Dana from Northwind. I am calling about the warehouse project "
        "you mentioned. What timeline are you working with this quarter?"
    )
    subprocess.run(["espeak-ng", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True)
    data, _ = soundfile.read(wav, dtype="int16")
    return wav, data


def inject_mic(wav: Path) -> subprocess.Popen:
    """Play a WAV into the virtual mic (the rep speaking into the headset)."""
    return subprocess.Popen(["paplay", "--device=micfeed", str(wav)])


class EarCapture:
    """Records what the app plays into the headset sink, as 16 kHz mono int16."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._proc = subprocess.Popen(
            [
                "parecord",
                "--device=headset.monitor",
                "--rate=16000",
                "--channels=1",
                "--format=s16le",
                "--raw",
                "--latency-msec=20",
                str(path),
            ]
        )
        time.sleep(0.3)  # parecord needs a moment before it delivers

    def stop(self) -> np.ndarray:
        time.sleep(0.2)
        self._proc.terminate()
        self._proc.wait(timeout=5)
        return np.fromfile(self.path, dtype=np.int16)


def chunk_correlation(got: np.ndarray, src: np.ndarray, chunk: int = 4000) -> float:
    """Median over the source's voiced chunks of the best correlation with ``got``.

    First the global lag is found; then each chunk may shift by a few ms, which a drift
    correction (one sample per 20 ms frame at most) or a re-prime after a glitch can cause.
    """
    got = got.astype(np.float64)
    src = src.astype(np.float64)
    if len(got) < len(src):
        got = np.concatenate((got, np.zeros(len(src) - len(got))))
    spec = np.fft.rfft(got, 2 * len(got))
    xc = np.fft.irfft(spec * np.conj(np.fft.rfft(src, 2 * len(got))))[: len(got) - len(src) + 1]
    lag = int(np.argmax(np.abs(xc)))
    scores = []
    for i in range(0, len(src) - chunk + 1, chunk):
        s = src[i : i + chunk]
        if np.std(s) < 300:  # silence between words says nothing
            continue
        best = 0.0
        for d in range(-160, 161, 1):
            j = lag + i + d
            if j < 0 or j + chunk > len(got):
                continue
            g = got[j : j + chunk]
            if np.std(g) == 0:
                continue
            best = max(best, float(np.corrcoef(g, s)[0, 1]))
        scores.append(best)
    return float(np.median(scores)) if scores else 0.0


def start_virtual_headset() -> None:
    """Start (idempotently) the PulseAudio virtual headset the audio tests play through."""
    script = Path(__file__).resolve().parent.parent / "scripts" / "virtual-headset.sh"
    subprocess.run(["bash", str(script)], check=True, capture_output=True)
