"""Devices through the real PulseAudio virtual headset: listing, choosing by name, refresh,
the test tone (captured from the headset sink) and the level meter."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from softphone.audio.devices import (
    DeviceNotFound,
    LevelMeter,
    find_device,
    list_devices,
    play_test_tone,
    resolve_pair,
)
from softphone.audio.ring import SampleRing
from softphone.audio.shm_ring import SharedRingReader, SharedRingWriter
from tests.audio_support import EarCapture, start_virtual_headset

pytestmark = pytest.mark.audio


@pytest.fixture(scope="module", autouse=True)
def _headset() -> None:
    start_virtual_headset()


def test_lists_pulse_and_default_devices() -> None:
    names = {d.name for d in list_devices()}
    assert {"pulse", "default"} <= names
    pulse = find_device("pulse", "output")
    assert pulse.max_out > 0 and pulse.max_in > 0 and pulse.default_rate > 0


def test_find_by_name_is_forgiving_but_clear_when_missing() -> None:
    assert find_device("PULSE", "input").name == "pulse"
    assert find_device("defau", "output").name == "default"
    with pytest.raises(DeviceNotFound, match="no input device called 'Jabra'.*'pulse'"):
        find_device("Jabra", "input")


def test_a_remembered_device_that_is_gone_falls_back_with_a_warning() -> None:
    in_idx, out_idx, warning = resolve_pair("Jabra Evolve2", None)
    assert in_idx >= 0 and out_idx >= 0
    assert "Jabra Evolve2" in warning and "default input device" in warning


def test_refresh_reinitialises_portaudio() -> None:
    """In a process of its own: re-initialising PortAudio would close this process's streams."""
    code = (
        "from softphone.audio.devices import list_devices, refresh_devices\n"
        "before = [d.name for d in list_devices()]\n"
        "after = [d.name for d in refresh_devices()]\n"
        "print(before == after and 'pulse' in after)\n"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "True"


def test_test_tone_reaches_the_headset(tmp_path: Path) -> None:
    ear = EarCapture(tmp_path / "tone.raw")
    play_test_tone("pulse", frequency=440.0, seconds=1.0)
    heard = ear.stop().astype(np.float64)
    assert len(heard) > 16000
    spectrum = np.abs(np.fft.rfft(heard))
    freqs = np.fft.rfftfreq(len(heard), 1 / 16000)
    assert abs(freqs[np.argmax(spectrum)] - 440.0) < 5
    assert np.sqrt(np.mean(heard**2)) > 1000  # −12 dBFS: clearly audible, not a trickle


def test_level_meter_from_a_ring_and_from_a_tap() -> None:
    meter = LevelMeter(window_ms=100)
    ring = SampleRing(16000)
    assert meter.peek(ring) == (-120.0, -120.0)
    t = np.arange(3200) / 16000
    ring.write((0.5 * 32767 * np.sin(2 * np.pi * 300 * t)).astype(np.int16))
    rms, peak = meter.peek(ring)
    assert abs(peak - (-6.0)) < 0.2 and abs(rms - (-9.0)) < 0.2  # sine: rms = peak − 3 dB
    assert ring.available() == 3200  # the meter took nothing from the call
    writer = SharedRingWriter(f"cc-test-meter-{time.monotonic_ns()}", 16000)
    reader = SharedRingReader(writer.name)
    writer.write(np.full(1600, 3277, np.int16))
    rms, peak = meter.poll(reader)
    assert abs(rms - (-20.0)) < 0.1 and abs(peak - (-20.0)) < 0.1
    reader.close()
    writer.close()


def test_settings_mic_meter_callback_only_copies() -> None:
    """The PortAudio callback allocates no sample memory (the old meter squared each block
    into a new float array): 50 blocks of 100 ms add well under one block of memory."""
    import tracemalloc

    from softphone.audio.mic_meter import MicMeter

    meter = MicMeter()
    block = np.full((1600, 1), 3277, np.int16)
    meter.callback(block, 1600, None, None)  # first call: anything lazily made is made now
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(5):
            meter.callback(block, 1600, None, None)
        grew = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert grew < 1600, grew  # one block is 3200 bytes; the old callback made 6400 a call


def test_settings_mic_meter_reads_the_headset_mic(tmp_path: Path) -> None:
    """On the virtual headset: silence reads as an empty bar, speech into the mic fills it."""
    from softphone.audio.mic_meter import MicMeter
    from tests.audio_support import inject_mic, speech_wav

    wav, _ = speech_wav(tmp_path)
    meter = MicMeter()
    meter.start("pulse")
    try:
        time.sleep(0.5)
        quiet = max(meter.level for _ in range(5) if time.sleep(0.07) is None)
        player = inject_mic(wav)
        levels = []
        deadline = time.monotonic() + 4.0
        while time.monotonic() < deadline and player.poll() is None:
            time.sleep(1 / 15)  # the page's poll rate
            levels.append(meter.level)
        player.wait(10)
        stream = meter._stream
    finally:
        meter.stop()
    assert quiet < 0.2, quiet
    assert max(levels) > 0.5, levels
    assert meter.level == 0.0  # stopped: the bar empties
    assert stream.closed  # and the device is let go
