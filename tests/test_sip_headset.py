"""A call through real PortAudio devices: the rep's engine uses a PulseAudio virtual headset
of its own (like scripts/virtual-headset.sh, but private to this test so that other programs
using the shared one cannot mix into it): speech played into a null sink is the rep's mic
(through a remap source), another null sink is the rep's ear, captured from its monitor. The
engine's PortAudio reaches them through PulseAudio's ALSA plugin via PULSE_SINK/PULSE_SOURCE.
What the rep says reaches the far end's recording, and what the far end plays reaches the
rep's ear (cross-correlation). It runs with the default 10 ms device blocks and with the 5 ms
blocks a rep may choose (Settings -> Audio, `--audio-block-ms 5`): the engine's stats must show
the device really called back every 5 ms."""

from __future__ import annotations

import subprocess
import threading
import time

import numpy as np
import pytest
import soundfile

from softphone.protocol import IncomingCall
from tests.audio_support import PrivateHeadset
from tests.needs import needs
from tests.sip_support import (
    chunk_similarity,
    engine,
    state,
    voice_a_fixture,  # noqa: F401
    voice_b_fixture,  # noqa: F401
)

pytestmark = [
    pytest.mark.sip,
    pytest.mark.audio,
    needs("parec", "parecord", "pactl", "pacat"),
]


@pytest.fixture
def private_headset():
    """A private ear/micfeed/mic headset (tests.audio_support), removed afterwards."""
    hs = PrivateHeadset()
    try:
        yield {"ear": hs.sink, "feed": hs.feed, "mic": hs.source}
    finally:
        hs.close()


def _capture(device: str, out: list[bytes], stop: threading.Event) -> None:
    cmd = [
        "parec",
        f"--device={device}",
        "--raw",
        "--format=s16le",
        "--rate=16000",
        "--channels=1",
        "--latency-msec=20",
    ]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE) as proc:
        while not stop.is_set():
            data = proc.stdout.read(640)
            if not data:
                break
            out.append(data)
        proc.terminate()


@pytest.mark.parametrize("block_ms", [10, 5])
def test_call_through_the_virtual_headset_both_ways(
    tmp_path, private_headset, voice_a, voice_b, block_ms
) -> None:
    hs = private_headset
    (a_wav, a), (b_wav, b) = voice_a, voice_b
    far_rec = tmp_path / "far.wav"
    chunks: list[bytes] = []
    stop = threading.Event()
    with (
        # G.722, as the thresholds below were measured with: this is about the headset path;
        # Opus (the default where both ends have it) is checked in tests/test_sip_stack.py
        engine(audio="file", play_file=str(b_wav), codecs=("G722",), other_codecs=False) as (
            far,
            flog,
        ),
        engine(audio="headset", audio_block_ms=block_ms) as (rep, rlog),
    ):
        first = rep.stats()["bridge"]
        assert first["mode"] == "headset" and first["block_ms"] == block_ms
        assert first["input_block"] == 16 * block_ms  # samples per callback at 16 kHz
        t0 = time.monotonic()
        ear = threading.Thread(target=_capture, args=(f"{hs['ear']}.monitor", chunks, stop))
        ear.start()
        try:
            call_id = rep.make_call(f"sip:far@127.0.0.1:{far.info.sip_port}")
            inc = flog.wait_for(lambda e: isinstance(e, IncomingCall), 5)
            far.answer(inc.call_id, record_path=str(far_rec))
            rlog.wait_for(state(call_id, "connected"), 5)
            subprocess.run(["paplay", f"--device={hs['feed']}", str(a_wav)], check=True, timeout=20)
            time.sleep(0.5)
            stats = rep.stats()["bridge"]
            elapsed = time.monotonic() - t0
            rep.hangup(call_id)
            flog.wait_for(state(inc.call_id, "disconnected"), 5)
        finally:
            stop.set()
            ear.join(5)
    time.sleep(0.6)  # the recorder's last write
    heard_by_far = soundfile.read(far_rec, dtype="int16")[0][:, 1]
    heard_by_rep = np.frombuffer(b"".join(chunks), dtype="<i2")

    # 100 ms chunks, each allowed to move by 100 ms: the ear path crosses PulseAudio's
    # resampling and the bridge's drift corrections, and a shared machine may mix in
    # someone else's sound; the source must still match most chunks, the other voice none.
    def matched(src, got) -> float:
        sims = np.array(chunk_similarity(src[: 16000 * 3], got, chunk_s=0.1, slack_s=0.1))
        return float(np.mean(sims > 0.8))

    assert matched(a, heard_by_far) > 0.7, stats["mic"]  # 0.82 measured here
    assert matched(b, heard_by_rep) > 0.7, (stats["ear"], stats["output_callback"])
    assert matched(b, heard_by_far) < 0.1 and matched(a, heard_by_rep) < 0.1
    # the device kept the asked block: callbacks per second from the engine's own counters
    for side in ("input_callback", "output_callback"):
        n = stats[side]["callbacks"] - first[side]["callbacks"]
        rate = n / elapsed
        assert 0.8 * 1000 / block_ms < rate < 1.2 * 1000 / block_ms, (side, rate, stats[side])
