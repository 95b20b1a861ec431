"""Audio through real calls between two processes of this app (`main.py answer` as the far
end, `main.py call` as the rep): what one side plays, the other side records, proven by
cross-correlation, both directions, through G.722 and PCMU, with and without SRTP."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from tests.sip_support import chunk_similarity, voice_a_fixture, voice_b_fixture  # noqa: F401

pytestmark = pytest.mark.sip
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("codec", "srtp"),
    [("G722", "mandatory"), ("PCMU", "disabled"), ("G722", "disabled"), ("PCMU", "mandatory")],
)
def test_audio_both_ways_between_two_processes(tmp_path, voice_a, voice_b, codec, srtp) -> None:
    (a_wav, a), (b_wav, b) = voice_a, voice_b
    rec_a, rec_b = tmp_path / "rep.wav", tmp_path / "far.wav"
    common = ["--bind", "127.0.0.1", "--codec", codec, "--srtp", srtp, "--json"]
    far = subprocess.Popen(
        [
            sys.executable,
            "main.py",
            "answer",
            "--port",
            "0",
            "--play",
            str(b_wav),
            "--record",
            str(rec_b),
            "--seconds",
            "4",
            "--wait",
            "20",
            *common,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = far.stdout.readline()
        port = int(re.search(r":(\d+)$", line.strip()).group(1))
        rep = subprocess.run(
            [
                sys.executable,
                "main.py",
                "call",
                f"sip:far@127.0.0.1:{port}",
                "--play",
                str(a_wav),
                "--record",
                str(rec_a),
                "--seconds",
                "3.5",
                *common,
            ],
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        far_out = far.communicate(timeout=15)[0]
    finally:
        far.kill()
    assert rep.returncode == 0, rep.stderr
    outcome = json.loads(rep.stdout.strip().splitlines()[-1])
    assert outcome["codec"].startswith(codec)
    assert outcome["srtp"] is (srtp == "mandatory")
    assert json.loads(far_out.strip().splitlines()[-1])["connected"]

    rep_rec, _ = soundfile.read(rec_a, dtype="int16")
    far_rec, _ = soundfile.read(rec_b, dtype="int16")
    a, b = a[: 16000 * 3], b[: 16000 * 3]  # the first three seconds of each voice
    if codec == "PCMU":  # G.711 carries 0-4 kHz: compare with what it can carry
        a, b = _narrowband(a), _narrowband(b)
    # Chunk by chunk (a jitter buffer under CPU load may shift the stream by a frame):
    for name, src, got in (("rep->far", a, far_rec[:, 1]), ("far->rep", b, rep_rec[:, 1])):
        sims = np.array(chunk_similarity(src, got))
        assert len(sims) >= 4, name
        assert np.median(sims) > 0.97 and np.mean(sims > 0.9) >= 0.75, (name, sims.round(2))
    # ... and not by accident: the rep's own voice is not what the rep heard
    wrong = np.array(chunk_similarity(a, rep_rec[:, 1]))
    assert np.median(wrong) < 0.5, wrong.round(2)


def _narrowband(x: np.ndarray) -> np.ndarray:
    return soxr.resample(soxr.resample(x.astype(np.float32), 16000, 8000), 8000, 16000)
