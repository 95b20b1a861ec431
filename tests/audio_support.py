"""Helpers for the audio tests: speech to inject, the virtual headset's two ends (paplay into
micfeed = the rep talking, parecord of headset.monitor = what the rep hears), and a chunked
cross-correlation that tolerates the bridge's one-sample drift corrections."""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
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


class PrivateHeadset:
    """A virtual headset of this test's own, built like scripts/virtual-headset.sh (null sinks
    at 48 kHz, a remap source, silent keep-alive streams), so that other programs using the
    shared ``headset``/``micfeed`` at the same time cannot leak into what a test hears.

    While it is open, PortAudio streams on the "pulse"/"default" devices land on it (libpulse
    reads PULSE_SINK/PULSE_SOURCE when a stream connects).
    """

    def __init__(self) -> None:
        start_virtual_headset()  # the PulseAudio daemon itself
        _unload_orphans()
        tag = f"cc_audio_{os.getpid()}_{uuid.uuid4().hex[:4]}"
        self.sink, self.feed, self.source = f"{tag}_ear", f"{tag}_feed", f"{tag}_mic"
        self._plug()
        self._env = {k: os.environ.get(k) for k in ("PULSE_SINK", "PULSE_SOURCE")}
        os.environ["PULSE_SINK"], os.environ["PULSE_SOURCE"] = self.sink, self.source

    def _plug(self) -> None:
        self._modules = [
            _pactl("load-module", "module-null-sink", f"sink_name={self.sink}", "rate=48000"),
            _pactl("load-module", "module-null-sink", f"sink_name={self.feed}", "rate=48000"),
            _pactl(
                "load-module",
                "module-remap-source",
                f"source_name={self.source}",
                f"master={self.feed}.monitor",
                "rate=48000",
            ),
        ]
        # silence from /dev/zero, paced by PulseAudio itself (pacat blocks when it is full)
        with open("/dev/zero", "rb") as zero:
            self._keepalive = [
                subprocess.Popen(
                    [
                        "pacat",
                        "--playback",
                        f"--device={s}",
                        "--latency-msec=20",
                        "--raw",
                        "--format=s16le",
                        "--rate=48000",
                        "--channels=1",
                        "--client-name=keepalive",
                    ],
                    stdin=zero,
                )
                for s in (self.sink, self.feed)
            ]
        time.sleep(0.2)
        for s in (self.sink, self.feed):
            _pactl("suspend-sink", s, "1")
            _pactl("suspend-sink", s, "0")

    def unplug(self) -> None:
        """The headset's devices disappear (its PulseAudio modules are unloaded), as when a USB
        headset is pulled out: PulseAudio moves the streams on it to the fallback devices."""
        self._stop_keepalive()
        for m in reversed(self._modules):
            _pactl("unload-module", m)
        self._modules = []

    def replug(self) -> None:
        """The same headset (same device names) comes back."""
        self._plug()

    def _stop_keepalive(self) -> None:
        for p in self._keepalive:
            p.kill()
            p.wait()
        self._keepalive = []

    def inject(self, wav: Path) -> subprocess.Popen:
        """Play a WAV into this headset's mic (the rep speaking)."""
        return subprocess.Popen(["paplay", f"--device={self.feed}", "--latency-msec=20", str(wav)])

    def capture(self, path: Path) -> EarCapture:
        """Record what the app plays into this headset's ear."""
        return EarCapture(path, f"{self.sink}.monitor")

    def close(self) -> None:
        for k, v in self._env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._stop_keepalive()
        for m in reversed(self._modules):
            subprocess.run(["pactl", "unload-module", m], check=False, capture_output=True)
        self._modules = []


def _unload_orphans() -> None:
    """Unload private headsets left by test processes that were killed before teardown."""
    for line in _pactl("list", "short", "modules").splitlines():
        m = re.search(r"^(\d+)\s.*(?:sink|source)_name=cc_audio_(\d+)_", line)
        if m and not os.path.exists(f"/proc/{m.group(2)}"):
            subprocess.run(["pactl", "unload-module", m.group(1)], check=False, capture_output=True)
    for proc in Path("/proc").glob("[0-9]*/cmdline"):  # their keep-alive pacats, by pid
        try:
            cmd = proc.read_bytes().split(b"\0")
        except OSError:
            continue
        dev = next((a for a in cmd if a.startswith(b"--device=cc_audio_")), None)
        if cmd and cmd[0].endswith(b"pacat") and dev:
            owner = dev.split(b"_")[2].decode()
            if not os.path.exists(f"/proc/{owner}"):
                os.kill(int(proc.parent.name), 9)


def _pactl(*args: str) -> str:
    return subprocess.run(
        ["pactl", *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def inject_mic(wav: Path) -> subprocess.Popen:
    """Play a WAV into the virtual mic (the rep speaking into the headset)."""
    return subprocess.Popen(["paplay", "--device=micfeed", str(wav)])


class EarCapture:
    """Records what the app plays into the headset sink, as 16 kHz mono int16."""

    def __init__(self, path: Path, device: str = "headset.monitor") -> None:
        self.path = path
        self._proc = subprocess.Popen(
            [
                "parecord",
                f"--device={device}",
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
    # bounded: a keep-alive that held the captured stderr once hung a test's set-up for 300 s
    subprocess.run(["bash", str(script)], check=True, capture_output=True, timeout=60)
