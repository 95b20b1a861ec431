"""Helpers for the SIP tests: free ports, real sipp peers, engines on loopback, correlation."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from softphone.client import EngineClient, EventLog
from softphone.protocol import CallStateChanged, EngineConfig
from tests.needs import needs_that

FIXTURES = Path(__file__).parent / "fixtures"
SIPP = shutil.which("sipp")


def _built_stack() -> bool:
    import importlib.metadata as md

    try:
        md.distribution("pjsua2")
    except md.PackageNotFoundError:
        return False
    return True


# pjsua2 built by scripts/build_pjsua2.sh (Linux): OpenSSL 3 (TLS 1.3), Opus, IPv6. The PyPI
# wheel (other platforms) has none of them: such tests fail under CI, are skipped locally.
BUILT = needs_that(
    _built_stack(), "pjsua2 built by scripts/build_pjsua2.sh (OpenSSL 3, Opus, IPv6)"
)


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (race-prone, but ports are random)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
        try:
            with socket.socket(socket.AF_INET, other) as s:
                s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


@contextlib.contextmanager
def sipp(
    *args: str,
    port: int | None = None,
    scenario: str | None = None,
    subst: dict | None = None,
    host: str = "127.0.0.1",
    media_host: str | None = None,
) -> Iterator[dict]:
    """Run sipp on `host` (SIP) and `media_host` (RTP, default host) with a random SIP port;
    yields {"port", "proc"}. "::1" for either makes sipp speak IPv6 there.

    `subst` replaces [name] placeholders in the scenario file first (sipp checks some fields,
    like response codes, before its own -key substitution would apply).
    """
    port = port or free_port()
    tmp = None
    cmd = [
        SIPP,
        "-i",
        host,
        "-p",
        str(port),
        "-mi",
        media_host or host,
        "-mp",
        str(free_port()),
        "-nostdin",
        "-m",
        "1",
        "-timeout",
        "30s",
    ]
    if scenario:
        path = FIXTURES / "sipp" / scenario
        if subst:
            text = path.read_text()
            for k, v in subst.items():
                text = text.replace(f"[{k}]", str(v))
            with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as tmp:
                tmp.write(text)
            path = Path(tmp.name)
        cmd += ["-sf", str(path)]
    cmd += list(args)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)  # sipp binds its sockets before it reads the scenario's first message
    info = {"port": port, "proc": proc}
    try:
        yield info
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)


def sipp_result(info: dict, timeout: float = 20) -> tuple[int, str]:
    """Wait for sipp to finish its one call: (exit code, stderr). 0 means the scenario passed."""
    proc = info["proc"]
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.returncode, proc.stderr.read().decode(errors="replace")


def loopback_config(**kw) -> EngineConfig:
    base = {
        "bind_address": "127.0.0.1",
        "audio": "null",
        "media_timeout_s": 5.0,
        "no_response_timeout_s": 3.0,
    }
    base.update(kw)
    return EngineConfig(**base)


@contextlib.contextmanager
def engine(**kw) -> Iterator[tuple[EngineClient, EventLog]]:
    """A started engine on loopback with an EventLog listener; always stopped afterwards."""
    client = EngineClient(loopback_config(**kw))
    log = EventLog()
    client.add_listener(log)
    client.start()
    try:
        yield client, log
    finally:
        client.stop()


def state(call_id: str, *states: str):
    """Predicate for EventLog.wait_for: this call reached one of these states."""
    return lambda e: isinstance(e, CallStateChanged) and e.call_id == call_id and e.state in states


def correlation(source: np.ndarray, received: np.ndarray) -> tuple[float, float]:
    """(lag in seconds, normalised correlation) of source found inside received (16 kHz)."""
    src = source.astype(np.float64)
    rec = received.astype(np.float64)
    nfft = 1 << (len(src) + len(rec) - 1).bit_length()
    c = np.fft.irfft(np.fft.rfft(rec, nfft) * np.conj(np.fft.rfft(src, nfft)), nfft)
    lag = int(np.argmax(c[: len(rec)]))
    seg = rec[lag : lag + len(src)]
    m = min(len(seg), len(src))
    a, b = src[:m], seg[:m]
    return lag / 16000, float(a @ b / np.sqrt((a @ a) * (b @ b) + 1e-9))


def tts(path: Path, text: str, voice: str = "slt") -> np.ndarray:
    """Speak text into a 16 kHz WAV with flite; returns the int16 samples."""
    import soundfile

    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(path)], check=True)
    data, rate = soundfile.read(path, dtype="int16")
    assert rate == 16000
    return data


@pytest.fixture(scope="session", name="voice_a")
def voice_a_fixture(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """The rep's voice: 16 kHz speech from flite."""
    path = tmp_path_factory.mktemp("voices") / "rep.wav"
    text = "Hello, this is Pat from Acme. I am calling about the quote for your warehouse."
    return path, tts(path, text, "slt")


@pytest.fixture(scope="session", name="voice_b")
def voice_b_fixture(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """The prospect's voice, a different speaker and text."""
    path = tmp_path_factory.mktemp("voices") / "prospect.wav"
    text = "Yes, hi. We are still deciding. The budget is tight and the timeline moved to spring."
    return path, tts(path, text, "kal16")


def chunk_similarity(
    source: np.ndarray, received: np.ndarray, chunk_s: float = 0.25, slack_s: float = 0.06
) -> list[float]:
    """Correlation of each voiced chunk of source with received, each chunk allowed to move
    by slack_s around the overall lag (a jitter buffer may shift the stream by a frame)."""
    lag, _ = correlation(source, received)
    base, n, slack = round(lag * 16000), int(chunk_s * 16000), int(slack_s * 16000)
    loud = np.sqrt(np.mean(source.astype(np.float64) ** 2))
    out = []
    for i in range(0, len(source) - n + 1, n):
        chunk = source[i : i + n]
        if np.sqrt(np.mean(chunk.astype(np.float64) ** 2)) < 0.3 * loud:
            continue  # pauses say nothing about the path
        lo = max(0, base + i - slack)
        window = received[lo : base + i + n + slack]
        if len(window) < n:
            out.append(0.0)
            continue
        out.append(correlation(chunk, window)[1])
    return out
