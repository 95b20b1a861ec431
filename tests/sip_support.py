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

from softphone.client import EngineClient, EventLog
from softphone.protocol import CallStateChanged, EngineConfig

FIXTURES = Path(__file__).parent / "fixtures"
SIPP = shutil.which("sipp")


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
    *args: str, port: int | None = None, scenario: str | None = None, subst: dict | None = None
) -> Iterator[dict]:
    """Run sipp on 127.0.0.1 with a random SIP port; yields {"port", "proc"}.

    `subst` replaces [name] placeholders in the scenario file first (sipp checks some fields,
    like response codes, before its own -key substitution would apply).
    """
    port = port or free_port()
    tmp = None
    cmd = [
        SIPP,
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "-mi",
        "127.0.0.1",
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
