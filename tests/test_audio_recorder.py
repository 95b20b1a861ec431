"""StereoRecorder: left = rep, right = prospect, and a SIGKILL of the writing process keeps
everything written up to the last second in a valid file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile

from softphone.audio.recorder import StereoRecorder

ROOT = Path(__file__).resolve().parent.parent

_WRITER = """
import sys, time
import numpy as np
from softphone.audio.recorder import StereoRecorder
rec = StereoRecorder(sys.argv[1])
i = 0
while True:  # 200 ms blocks like the bridge's housekeeper; left counts up, right counts down
    n = np.arange(i, i + 3200)
    rec.write((n % 30000).astype(np.int16), (-(n % 30000)).astype(np.int16))
    i += 3200
    print(i, flush=True)
    time.sleep(0.2)
"""


def test_recording_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "call.wav"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    written = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3.0:
        written = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    data, rate = soundfile.read(path, dtype="int16")
    assert rate == 16000 and data.shape[1] == 2
    # everything the writer reported as written is there (and at most one block more)
    assert written <= len(data) <= written + 3200
    assert written >= 16000 * 2  # the writer really ran for seconds before the kill
    n = np.arange(len(data))
    assert np.array_equal(data[:, 0], (n % 30000).astype(np.int16))
    assert np.array_equal(data[:, 1], (-(n % 30000)).astype(np.int16))


def test_channels_and_padding(tmp_path: Path) -> None:
    rec = StereoRecorder(tmp_path / "r.wav")
    rec.write(np.full(100, 1000, np.int16), np.full(60, -1000, np.int16))
    rec.write(np.zeros(0, np.int16), np.full(40, 5, np.int16))
    assert rec.seconds == 140 / 16000
    rec.close()
    rec.close()  # closing twice is harmless
    data, _ = soundfile.read(tmp_path / "r.wav", dtype="int16")
    assert data.shape == (140, 2)
    assert np.all(data[:100, 0] == 1000) and np.all(data[100:, 0] == 0)
    assert np.all(data[:60, 1] == -1000) and np.all(data[60:100, 1] == 0)
    assert np.all(data[100:, 1] == 5)
    assert oct(os.stat(tmp_path / "r.wav").st_mode & 0o777) == "0o600"
