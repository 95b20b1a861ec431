"""AudioBridge through the real PulseAudio virtual headset, with a software media clock in
place of pjsua2's: mic → pull_mic_frame, push_far_frame → ear, taps, recording, drift."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile

from softphone.audio.bridge import FRAME, AudioBridge
from softphone.audio.media_clock import SoftMediaClock
from softphone.audio.recorder import StereoRecorder
from softphone.audio.shm_ring import SharedRingReader, SharedRingWriter
from softphone.audio.sources import AudioFileError, load_voice
from tests.audio_support import PrivateHeadset, chunk_correlation, speech_wav

pytestmark = pytest.mark.audio


def _name(tag: str) -> str:
    return f"cc-test-{tag}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def headset():
    """A private virtual headset: nothing else playing on this machine leaks into the tests."""
    hs = PrivateHeadset()
    yield hs
    hs.close()


def speak_through(
    bridge: AudioBridge,
    headset: PrivateHeadset,
    mic_wav: Path,
    far: np.ndarray,
    ear_path: Path,
    *,
    lead: float,
    tail: float,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Starts `bridge` and runs it like a call: a software media clock pulls mic frames and
    pushes `far` to the ear frame by frame (then silence); `lead` s in, `mic_wav` is spoken
    into the headset mic, and `tail` s after it ends the clock stops (the bridge keeps
    running). Returns what the call pulled from the mic, what the ear heard, the ticks run."""
    bridge.start()
    pulled: list[bytes] = []

    def tick(k: int) -> None:
        pulled.append(bridge.pull_mic_frame())
        chunk = far[k * FRAME : (k + 1) * FRAME]
        bridge.push_far_frame(chunk.tobytes() if len(chunk) == FRAME else b"")

    ear = headset.capture(ear_path)
    clock = SoftMediaClock(tick).start()
    time.sleep(lead)
    headset.inject(mic_wav).wait(timeout=30)
    time.sleep(tail)
    clock.stop()
    heard = ear.stop()
    return np.frombuffer(b"".join(pulled), dtype=np.int16), heard, clock.ticks


@pytest.fixture(scope="module")
def call_run(tmp_path_factory, headset):
    """One full-duplex 'call': speech into the mic while other speech is pushed to the ear."""
    tmp = tmp_path_factory.mktemp("bridge")
    mic_wav, mic_src = speech_wav(tmp)
    _far_wav, far_src = speech_wav(
        tmp / "..", "Yes, we need the racks installed before the end of March."
    )
    far = np.concatenate((np.zeros(8000, np.int16), far_src, np.zeros(24000, np.int16)))
    rep_tap = SharedRingWriter(_name("rep"), 16000 * 30)
    far_tap = SharedRingWriter(_name("far"), 16000 * 30)
    rep_reader, far_reader = SharedRingReader(rep_tap.name), SharedRingReader(far_tap.name)
    recorder = StereoRecorder(tmp / "call.wav")
    bridge = AudioBridge(rep_tap=rep_tap, prospect_tap=far_tap, recorder=recorder)
    bridge.use_headset("pulse", "pulse")
    tail = max(0.0, len(far) / 16000 - len(mic_src) / 16000 - 0.5) + 0.5  # the far speech ends
    pulled, heard, ticks = speak_through(
        bridge, headset, mic_wav, far, tmp / "ear.raw", lead=0.5, tail=tail
    )
    bridge.stop()
    recorder.close()
    result = {
        "mic_src": mic_src,
        "far_src": far_src,
        "pulled": pulled,
        "heard": heard,
        "rep_tap": rep_reader.read(),
        "far_tap": far_reader.read(),
        "tap_lost": rep_reader.lost + far_reader.lost,
        "recording": soundfile.read(tmp / "call.wav", dtype="int16")[0],
        "stats": bridge.stats(),
        "far_pushed": far[: ticks * FRAME],
    }
    for r in (rep_reader, far_reader):
        r.close()
    rep_tap.close()
    far_tap.close()
    return result


def test_mic_speech_comes_out_of_pull_mic_frame(call_run) -> None:
    assert chunk_correlation(call_run["pulled"], call_run["mic_src"]) >= 0.9
    # a CPU-starved PulseAudio can deliver one block late; a broken bridge underruns always
    assert call_run["stats"]["mic"]["underruns"] <= 2


def test_far_frames_come_out_of_the_headset(call_run) -> None:
    assert chunk_correlation(call_run["heard"], call_run["far_src"]) >= 0.9
    assert call_run["stats"]["ear"]["underruns"] <= 2  # (xruns: see benchmarks/bench_audio.py)


def test_taps_carry_exactly_what_the_call_sent_and_received(call_run) -> None:
    assert np.array_equal(call_run["rep_tap"], call_run["pulled"])
    pushed = call_run["far_pushed"]
    assert np.array_equal(call_run["far_tap"][: len(pushed)], pushed)
    assert call_run["tap_lost"] == 0


def test_recording_is_rep_left_prospect_right(call_run) -> None:
    rec = call_run["recording"]
    assert rec.ndim == 2 and rec.shape[1] == 2
    assert abs(len(rec) - len(call_run["pulled"])) <= FRAME
    assert np.array_equal(rec[: len(call_run["pulled"]), 0], call_run["pulled"][: len(rec)])
    assert chunk_correlation(rec[:, 1], call_run["far_src"]) > 0.99


def test_callbacks_are_fast(call_run) -> None:
    st = call_run["stats"]
    for side in ("input_callback", "output_callback"):
        assert st[side]["callbacks"] > 300
        assert st[side]["callback_ms"]["p99"] < 1.0, st[side]


@dataclass
class ClockedCall:
    """What a tone call against a software media clock left behind (see `clocked_call`)."""

    stats: dict
    mic_levels: list[int]  # the mic ring's fill before each media tick
    ear_levels: list[int]  # the ear ring's fill before each media tick
    mic_target: int  # the fill the mic ring's controller holds
    ear_target: int  # the ear ring's, a frame above its controller's target (just pushed)


@pytest.fixture
def clocked_call(headset) -> Callable[..., ClockedCall]:
    """Runs the bridge on the private headset for `seconds` against a media clock `ppm` fast,
    pushing a 500 Hz tone to the ear, and records both rings' fill at every tick."""

    def run(seconds: float, ppm: float = 0.0) -> ClockedCall:
        bridge = AudioBridge()
        bridge.use_headset(None, None)
        bridge.start()
        mic_levels: list[int] = []
        ear_levels: list[int] = []
        wave = 3000 * np.sin(np.arange(FRAME) * 2 * np.pi * 500 / 16000)
        tone = wave.astype(np.int16).tobytes()

        def tick(k: int) -> None:
            mic_levels.append(bridge._mic.ring.available())
            bridge.pull_mic_frame()
            ear_levels.append(bridge._ear.ring.available())
            bridge.push_far_frame(tone)

        try:
            SoftMediaClock(tick, ppm=ppm).run_for(seconds)
            stats = bridge.stats()
        finally:
            bridge.stop()
        return ClockedCall(
            stats, mic_levels, ear_levels, bridge._mic.ctl.target, bridge._ear.ctl.target + FRAME
        )

    return run


@pytest.mark.parametrize("ppm", [3000, -3000])
def test_drift_is_measured_and_corrected(ppm: float, clocked_call) -> None:
    """The media clock runs 3,000 ppm fast (or slow) against the headset for 20 s: 960 samples
    (60 ms) of drift each way. Uncorrected, one ring would run dry on every frame and the other
    would pile up 60 ms of latency. Corrected, both stay within 25 ms of their targets, the
    corrections are counted in the right direction and the drift estimate has the right sign.

    The bounds leave room for PulseAudio's own clocks: bare PortAudio streams on these null
    sinks wobble by up to ±1,000 ppm over 5 s windows and now and then deliver a block 20–30 ms
    late. The 300 ppm of a real headset is checked exactly over half an hour of simulated time
    in test_audio_ring."""
    run = clocked_call(20.0, ppm)
    st = run.stats
    mic, ear = st["mic"], st["ear"]
    # media fast: the mic ring drains (inserts), the ear ring fills (drops); slow: the reverse
    sign = 1 if ppm > 0 else -1
    assert sign * (mic["inserted"] - mic["dropped"]) > 300, st
    assert sign * (ear["dropped"] - ear["inserted"]) > 300, st
    assert mic["underruns"] <= 3 and ear["underruns"] <= 3, st  # PulseAudio's late blocks
    assert mic["resyncs"] == 0 and ear["resyncs"] == 0, st
    settled = slice(100, None)  # after the first 2 s
    assert max(run.mic_levels[settled]) < run.mic_target + 400, st
    assert max(run.ear_levels[settled]) < run.ear_target + 400, st
    for side in (mic, ear):  # device clock against media clock
        assert side["drift_ppm"] is not None and sign * side["drift_ppm"] < -1500, st


def test_equal_clocks_read_little_drift_and_need_few_corrections(clocked_call) -> None:
    """The media clock and the null sinks both run on the system clock (0 ppm apart) for 25 s.

    Before the estimator was made step-proof it read such runs as -1,900 ppm (a 90 s call) to
    -270,000 ppm (one 300 ms output stall under load), and the controller, chasing the phase
    between device callbacks and media ticks, reshaped 5-18 frames a second. Now the estimate
    stays within a few hundred ppm (PulseAudio's timer-driven null sinks themselves run 0-400
    ppm off the system clock), frames are reshaped only as often as that drift needs, and the
    rings stay near their targets (no growth, no underrun spiral). The bounds leave room for a
    loaded 2-core machine."""
    seconds = 25.0
    run = clocked_call(seconds)
    st = run.stats
    for side, levels, target in (
        (st["mic"], run.mic_levels, run.mic_target),
        (st["ear"], run.ear_levels, run.ear_target),
    ):
        ppm = side["drift_ppm"]
        assert ppm is not None and abs(ppm) < 1000, st
        # no more reshaped frames than the measured drift needs (2 samples each), give or take
        # the start-up; a controller chasing the callback phase reshaped 5-18 a second
        needed = abs(ppm) * 1e-6 * 16000 * seconds / 2
        assert side["frames_reshaped"] <= needed + 15, (needed, st)
        assert side["underruns"] <= 5, st
        settled = levels[100:]
        # a block or two of phase above the target, never a growing backlog
        assert np.percentile(settled, 99) < target + 480, st
        assert np.mean(settled[-250:]) < target + 320, st


def test_file_source_plays_the_wav_as_the_rep(tmp_path: Path) -> None:
    wav, _ = speech_wav(tmp_path)
    stereo_44k = tmp_path / "stereo44.wav"
    subprocess.run(["sox", str(wav), "-r", "44100", "-c", "2", str(stereo_44k)], check=True)
    expected = load_voice(str(wav))
    bridge = AudioBridge()
    bridge.use_file(str(stereo_44k))
    bridge.start()
    frames = []
    while not bridge.file_finished:
        frames.append(bridge.pull_mic_frame())
    bridge.stop()
    got = np.frombuffer(b"".join(frames), dtype=np.int16)
    assert all(len(f) == 640 for f in frames)
    assert chunk_correlation(got, expected) > 0.99  # resampled 44.1 kHz stereo → 16 kHz mono
    assert bridge.pull_mic_frame() == bytes(640)  # silence after the end


def test_mute_sends_and_taps_silence(tmp_path: Path) -> None:
    wav, _ = speech_wav(tmp_path)
    tap = SharedRingWriter(_name("mute"), 16000)
    reader = SharedRingReader(tap.name)
    bridge = AudioBridge(rep_tap=tap)
    bridge.use_file(str(wav), loop=True)
    bridge.start()
    assert any(bridge.pull_mic_frame() != bytes(640) for _ in range(20))
    bridge.set_muted(True)
    reader.read()
    assert all(bridge.pull_mic_frame() == bytes(640) for _ in range(20))
    assert not np.any(reader.read())
    bridge.stop()
    reader.close()
    tap.close()


def test_no_audio_device_runs_in_null_mode_with_a_warning() -> None:
    """With no sound server PortAudio finds no device at all: the call still runs on silence."""
    code = (
        "import json\n"
        "from softphone.audio.bridge import AudioBridge\n"
        "from softphone.audio.shm_ring import SharedRingReader, SharedRingWriter\n"
        f"tap = SharedRingWriter({_name('null')!r}, 16000); r = SharedRingReader(tap.name)\n"
        "b = AudioBridge(prospect_tap=tap)\n"
        "b.use_headset(None, None)\n"
        "b.start()\n"
        "frames = [b.pull_mic_frame() for _ in range(50)]\n"
        "for _ in range(50): b.push_far_frame(b'\\x01\\x00' * 320)\n"
        "st = b.stats(); b.stop()\n"
        "print(json.dumps({'mode': st['mode'], 'warning': st['warning'],\n"
        "  'silent': all(f == bytes(640) for f in frames), 'tapped': len(r.read())}))\n"
        "r.close(); tap.close()\n"
    )
    env = dict(os.environ, PULSE_SERVER="unix:/nonexistent/pulse")
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    import json

    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["mode"] == "null" and res["silent"] and res["tapped"] == 50 * 320
    assert "No audio input device" in res["warning"]


def test_device_at_another_rate_is_resampled(tmp_path: Path, headset) -> None:
    """A device that only runs at 48 kHz (raw ALSA hardware does that) is resampled with soxr
    on the media thread: speech still comes out of pull_mic_frame and into the ear."""
    mic_wav, mic_src = speech_wav(tmp_path)
    far = np.concatenate((np.zeros(4000, np.int16), mic_src, np.zeros(16000, np.int16)))
    bridge = AudioBridge(device_rate=48000)
    bridge.use_headset("pulse", "pulse")
    assert bridge._headset.in_rate == 48000 and bridge._headset.out_rate == 48000
    try:
        got, heard, _ticks = speak_through(
            bridge, headset, mic_wav, far, tmp_path / "ear48.raw", lead=0.3, tail=0.8
        )
        st = bridge.stats()
    finally:
        bridge.stop()
    assert st["mic"]["device_rate"] == 48000 and st["ear"]["device_rate"] == 48000
    assert chunk_correlation(got, mic_src) >= 0.9
    assert chunk_correlation(heard, mic_src) >= 0.9


def _kill_input(bridge: AudioBridge) -> None:
    """What a dying mic stream looks like from Python: PortAudio stops it. Under the headset's
    lock, as PortAudio's own thread would be alone on it: the housekeeper must not close the
    stream while this abort still joins its callback thread."""
    hs = bridge._headset
    with hs._lifecycle:
        hs._in.abort()


def test_a_stream_that_stops_is_reopened(headset) -> None:
    """PortAudio can stop a stream for good (an ALSA poll error under load, a device reset):
    the housekeeper notices within a few hundred ms and reopens it."""
    bridge = AudioBridge()
    bridge.use_headset(None, None)
    bridge.start()
    time.sleep(0.3)
    _kill_input(bridge)
    deadline = time.monotonic() + 3
    while bridge.stats()["stream_restarts"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    calls = bridge._headset.in_stats.calls
    time.sleep(0.3)
    st = bridge.stats()
    bridge.stop()
    assert st["stream_restarts"] == 1
    assert st["input_callback"]["callbacks"] > calls  # the mic is flowing again


def test_an_unreadable_voice_file_is_one_clear_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("not audio")
    bridge = AudioBridge()
    for path in (tmp_path / "missing.wav", bad):
        with pytest.raises(AudioFileError, match=r"^Cannot read the audio file .*\.$"):
            bridge.use_file(str(path))
    assert bridge.mode == "null"  # nothing half-switched


def test_a_headset_that_cannot_be_reopened_falls_back_to_silence(headset, monkeypatch) -> None:
    """Unplugged for good: after ~2 s of failed reopen attempts the call goes on in null mode
    and on_headset says so in one sentence (state "silent"); the media thread keeps getting
    silence, never an error, and stopping the call afterwards takes no time."""
    import sounddevice as sd

    bridge = AudioBridge()
    notices: queue.Queue = queue.Queue()
    bridge.on_headset = lambda state, sentence: notices.put((state, sentence))
    bridge.use_headset(None, None)
    frames: list[bytes] = []
    clock = SoftMediaClock(lambda _k: frames.append(bridge.pull_mic_frame()))
    try:
        bridge.start()
        clock.start()
        time.sleep(0.3)

        def unplugged():
            raise sd.PortAudioError("Device unavailable")

        monkeypatch.setattr(bridge._headset, "_open_input", unplugged)
        _kill_input(bridge)
        try:  # ten failed reopens 0.2 s apart; a starved machine may take a few times that
            state, sentence = notices.get(timeout=15)
        except queue.Empty:
            pytest.fail("no sentence within 15 s of the headset's stream dying")
        st = bridge.stats()
        time.sleep(0.1)  # a few more frames from the null path
    finally:
        clock.stop()
        t0 = time.monotonic()
        bridge.stop()
        stop_s = time.monotonic() - t0
    assert state == "silent" and "headset stopped working" in sentence
    assert st["mode"] == "null" and st["warning"] == sentence
    assert frames and all(len(f) == 640 for f in frames) and st["errors"] == 0
    assert bridge.pull_mic_frame() == bytes(640)
    assert stop_s < 1.0, f"stop took {stop_s:.2f} s"
    assert notices.empty()  # one sentence, not one per housekeeping turn


_RACE = """
import json, sys, threading, time
from softphone.audio.bridge import AudioBridge
from softphone.audio.headset import HeadsetStreams
from softphone.audio.ring import SampleRing

def together(*jobs):
    # each job on its own thread, released at the same instant; True if all returned
    gate = threading.Barrier(len(jobs))
    def run(job):
        gate.wait()
        job()
    threads = [threading.Thread(target=run, args=(j,), daemon=True) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    return not any(t.is_alive() for t in threads)

done = {"streams": 0, "bridge": 0}
for _ in range(ROUNDS):
    hs = HeadsetStreams(SampleRing(16000), SampleRing(16000))
    hs.start(); time.sleep(0.05)
    with hs._lifecycle:
        hs._in.abort()  # the mic stream died
    if not together(hs.stop, hs.stop):  # the housekeeper's fallback and the call's stop
        break
    done["streams"] += 1
for _ in range(ROUNDS):
    b = AudioBridge()
    b.use_headset(None, None); b.start(); time.sleep(0.05)
    with b._headset._lifecycle:
        b._headset._in.abort()
    if not together(lambda: b.use_silence("The headset stopped working."), b.stop):
        break
    done["bridge"] += 1
print(json.dumps(done), flush=True)
"""


def test_two_threads_stopping_a_dead_headset_both_return(headset) -> None:
    """The housekeeper giving up on a dead headset while the engine ends the call: both close
    the same streams at once. PortAudio then joined one callback thread twice and the second
    join never returned (a 13-minute hang in this file); the first round or two hung before
    the lifecycle lock. Run in a child process: a hung PortAudio cannot hang pytest."""
    rounds = 10
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            [sys.executable, "-c", _RACE.replace("ROUNDS", str(rounds))],
            check=False,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the race child hung for 120 s")
    assert out.returncode == 0, out.stderr
    import json

    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"streams": rounds, "bridge": rounds}


def test_stop_returns_when_portaudio_does_not_let_go(headset, monkeypatch, caplog) -> None:
    """A stream whose device thread is wedged (here: a mic callback that does not return, so
    PortAudio's close waits for it) must not hang the call's stop: stop returns after
    CLOSE_WAIT_S with one sentence and the stream is left to close on its own."""
    from softphone.audio import headset as headset_mod

    bridge = AudioBridge()
    bridge.use_headset(None, None)
    entered, release = threading.Event(), threading.Event()

    def wedged(indata, frames, time_info, status) -> None:
        entered.set()
        release.wait(20)

    monkeypatch.setattr(bridge._headset, "_on_input", wedged)
    try:
        bridge.start()
        assert entered.wait(5), "the mic callback never ran"
        stream = bridge._headset._in
        t0 = time.monotonic()
        with caplog.at_level("WARNING", logger="softphone.audio.headset"):
            bridge.stop()
        stop_s = time.monotonic() - t0
    finally:
        release.set()
    assert headset_mod.CLOSE_WAIT_S - 0.1 < stop_s < headset_mod.CLOSE_WAIT_S + 1.5, stop_s
    said = [r.getMessage() for r in caplog.records if r.name == "softphone.audio.headset"]
    assert len(said) == 1 and "did not close within" in said[0]
    deadline = time.monotonic() + 10  # released: PortAudio finishes the close on its thread
    while not stream.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stream.closed
