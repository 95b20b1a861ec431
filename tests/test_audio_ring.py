"""SampleRing and the drift logic: integrity across threads, counters, corrections."""

from __future__ import annotations

import threading

import numpy as np

from softphone.audio.drift import DriftController, DriftEstimator, stretch
from softphone.audio.ring import SampleRing


def test_ring_wraps_and_keeps_order() -> None:
    ring = SampleRing(1000)
    seq = np.arange(30000, dtype=np.int16)
    out = np.zeros(300, dtype=np.int16)
    got = []
    for i in range(0, len(seq), 700):
        assert ring.write(seq[i : i + 700]) == len(seq[i : i + 700])
        while ring.available() >= 300:
            ring.read_into(out)
            got.append(out.copy())
    rest = np.zeros(ring.available(), dtype=np.int16)
    ring.read_into(rest)
    got.append(rest)
    assert np.array_equal(np.concatenate(got), seq)
    assert ring.overruns == 0 and ring.underruns == 0


def test_ring_counts_overrun_and_underrun() -> None:
    ring = SampleRing(500)
    assert ring.write(np.ones(400, np.int16)) == 400
    assert ring.write(np.ones(400, np.int16)) == 100  # only 100 fit: the newest 300 dropped
    assert ring.overruns == 1 and ring.dropped == 300
    out = np.full(600, 7, dtype=np.int16)
    assert ring.read_into(out) == 500
    assert ring.underruns == 1
    assert np.all(out[500:] == 0) and np.all(out[:500] == 1)
    assert ring.read_into(out[:10], partial_ok=True) == 0 and ring.underruns == 1


def test_ring_peek_latest_does_not_consume() -> None:
    ring = SampleRing(100)
    ring.write(np.arange(250, dtype=np.int16)[:100])
    ring.discard(60)
    ring.write(np.arange(100, 150, dtype=np.int16))
    out = np.zeros(20, dtype=np.int16)
    assert ring.peek_latest(out) == 20
    assert np.array_equal(out, np.arange(130, 150))
    assert ring.available() == 90


def test_ring_between_two_threads_loses_nothing() -> None:
    """One producer thread, one consumer thread, no lock: every sample arrives in order."""
    ring = SampleRing(4096)
    total = 2_000_000
    got = np.zeros(total, dtype=np.int64)

    def produce() -> None:
        i = 0
        while i < total:
            block = (np.arange(i, min(i + 160, total)) % 32768).astype(np.int16)
            i += ring.write(block)  # a full ring writes fewer: retry the rest

    def consume() -> None:
        buf = np.zeros(320, dtype=np.int16)
        j = 0
        while j < total:
            n = ring.read_into(buf[: min(320, total - j)], partial_ok=True)
            got[j : j + n] = buf[:n]
            j += n

    threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert np.array_equal(got, np.arange(total) % 32768)


def test_stretch_keeps_ends_and_length() -> None:
    x = (1000 * np.sin(np.arange(321) / 10)).astype(np.int16)
    y = stretch(x, 320)
    assert len(y) == 320 and y[0] == x[0] and y[-1] == x[-1]
    assert np.max(np.abs(y.astype(int) - x[:320].astype(int))) < 120  # no click, tiny pitch shift


def _simulate(ppm: float, seconds: float, block: int = 160):
    """A device delivering ``block``-sample chunks at 16 kHz × (1 + ppm) against a 20 ms pull.

    Returns the levels seen before each pull, the controller and the estimator.
    """
    target, frame = 560, 320  # AudioBridge's defaults for 10 ms device blocks
    ctl, est = DriftController(target, 32), DriftEstimator()
    start = target - frame  # so the first level seen is about the target
    produced = 0.0
    consumed = 0
    levels = []
    for k in range(int(seconds * 50)):
        produced += frame * (1 + ppm * 1e-6)
        delivered = int(produced // block) * block  # the device delivers whole blocks
        lvl = start + delivered - consumed
        est.add(k * frame, delivered - k * frame)
        step = ctl.update(lvl)
        consumed += frame - step  # one more (step -1) or one fewer (+1) sample taken
        levels.append(lvl)
    return levels, ctl, est


def test_drift_controller_holds_level_at_300_ppm() -> None:
    seconds = 1800
    levels, ctl, est = _simulate(300, seconds)
    drift = 300e-6 * 16000 * seconds  # 8640 samples over half an hour
    # every sample of drift was either corrected or is still in the ring: nothing vanished
    assert abs((ctl.dropped - ctl.inserted) - drift) < 250
    assert ctl.inserted < 20
    assert max(levels[500:]) <= 560 + 32 + 160 and min(levels[500:]) > 320
    assert abs(est.ppm - 300) < 5


def test_drift_controller_slow_device_never_underruns() -> None:
    seconds = 600
    levels, ctl, est = _simulate(-120, seconds)
    drift = 120e-6 * 16000 * seconds
    assert abs(ctl.inserted - drift) < 250 and ctl.dropped < 20
    assert min(levels) > 320  # always at least a whole frame to pull: no underrun
    assert abs(est.ppm + 120) < 5


def test_no_drift_means_no_corrections() -> None:
    _, ctl, est = _simulate(0, 600)
    assert ctl.corrections == 0
    assert abs(est.ppm) < 2
