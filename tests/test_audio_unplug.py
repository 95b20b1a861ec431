"""A headset unplugged mid-call (issue 11): the PulseAudio modules of a live private virtual
headset are unloaded under the bridge's streams. PulseAudio quietly moves the streams to the
fallback devices; the bridge's housekeeper notices within about a second, says so in one
sentence, and keeps the frames flowing. The same headset comes back: the streams are moved back
onto it, a second sentence says so, and speech spoken into it reaches the call again (and the
far end's speech reaches its ear)."""

from __future__ import annotations

import queue
import re
import time
from pathlib import Path

import numpy as np
import pytest

from softphone.audio.bridge import FRAME, AudioBridge
from softphone.audio.media_clock import SoftMediaClock
from tests.audio_support import PrivateHeadset, chunk_correlation, speech_wav
from tests.needs import needs

pytestmark = pytest.mark.audio


def _wait(pred, seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def _notice(notices: queue.Queue, seconds: float) -> tuple[str, str, float]:
    try:
        return notices.get(timeout=seconds)
    except queue.Empty:
        pytest.fail(f"no headset sentence within {seconds} s")


@needs("pactl", "pacat", "paplay", "parecord", "espeak-ng", "sox")
def test_unplugged_headset_falls_back_with_a_sentence_and_comes_back(tmp_path: Path) -> None:
    t_start = time.monotonic()
    mic_wav, mic_src = speech_wav(tmp_path)
    far_src = mic_src
    hs = PrivateHeadset()
    bridge = AudioBridge()
    notices: queue.Queue = queue.Queue()
    bridge.on_headset = lambda state, sentence: notices.put((state, sentence, time.monotonic()))
    pulled: list[bytes] = []
    far_from = {"k": None}

    def tick(k: int) -> None:
        pulled.append(bridge.pull_mic_frame())
        start = far_from["k"]
        i = (k - start) * FRAME if start is not None else -1
        chunk = far_src[i : i + FRAME] if i >= 0 else b""
        bridge.push_far_frame(chunk.tobytes() if len(chunk) == FRAME else b"")

    clock = None
    try:
        bridge.use_headset("pulse", "pulse")
        bridge.start()
        clock = SoftMediaClock(tick).start()
        # the housekeeper learns where the streams landed: the chosen headset ("home")
        assert _wait(lambda: len(bridge.stats()["route"]["home"]) == 2, 6), bridge.stats()
        home = bridge.stats()["route"]["home"]
        assert home == {"sink": hs.sink, "source": hs.source}
        assert bridge.stats()["route"]["poll_ms"] < 200  # cheap: a couple of pactl calls

        # -- unplugged while the rep speaks --------------------------------------------------
        talking = hs.inject(mic_wav)
        time.sleep(1.0)
        before = bridge.stats()
        t_unplug = time.monotonic()
        hs.unplug()
        state, sentence, t_notice = _notice(notices, 5)
        assert state == "unplugged", sentence
        assert re.fullmatch(r"The headset was unplugged: the call goes on through .+\.", sentence)
        assert t_notice - t_unplug < 3.0
        st = bridge.stats()
        assert st["mode"] == "headset" and st["warning"] == sentence
        assert st["route"]["unplugged"] and st["route"]["now"]["sink"] != hs.sink
        # frames keep flowing through the fallback devices, without an underrun storm
        calls_in, calls_out = st["input_callback"]["callbacks"], st["output_callback"]["callbacks"]
        time.sleep(1.5)
        after = bridge.stats()
        assert after["input_callback"]["callbacks"] - calls_in > 80, after
        assert after["output_callback"]["callbacks"] - calls_out > 80, after
        assert after["mic"]["underruns"] - before["mic"]["underruns"] <= 10, after
        assert after["ear"]["underruns"] - before["ear"]["underruns"] <= 10, after
        assert after["errors"] == 0
        talking.wait(timeout=30)
        assert notices.empty()  # one sentence, not one per look

        # -- the same headset comes back -------------------------------------------------------
        t_replug = time.monotonic()
        hs.replug()
        state, sentence, t_notice = _notice(notices, 6)
        assert state == "back", sentence
        assert re.fullmatch(r"The headset is back: the call goes on through .+\.", sentence)
        assert t_notice - t_replug < 4.0
        st = bridge.stats()
        assert st["warning"] is None and not st["route"]["unplugged"]
        assert st["route"]["now"] == home and st["route"]["unplugs"] == st["route"]["returns"] == 1

        # the mic path carries the rep's speech again, and the ear the far end's
        time.sleep(0.5)
        ear = hs.capture(tmp_path / "ear_back.raw")
        mark = len(pulled)
        far_from["k"] = clock.ticks
        hs.inject(mic_wav).wait(timeout=30)
        time.sleep(0.8)
        heard = ear.stop()
        got = np.frombuffer(b"".join(pulled[mark:]), dtype=np.int16)
        assert chunk_correlation(got, mic_src) >= 0.9
        assert chunk_correlation(heard, far_src) >= 0.9
        final = bridge.stats()
        assert final["errors"] == 0 and notices.empty()
    finally:
        if clock is not None:
            clock.stop()
        bridge.stop()
        hs.close()
    assert time.monotonic() - t_start < 60


# -- the route watcher's decisions, on a scripted PulseAudio (no sound server needed) ---------
class FakePactl:
    exe = "pactl"

    def __init__(self) -> None:
        self.sinks = {1: ("usb_headset", "USB Headset"), 2: ("laptop", "Built-in Audio")}
        self.sources = {5: ("usb_headset_mic", "USB Headset Mic"), 6: ("laptop_mic", "Laptop Mic")}
        self.ours = {"sink": {40: 1}, "source": {50: 5}}
        self.moves: list[tuple[str, int, str]] = []

    def _devs(self, kind):
        return self.sinks if kind == "sink" else self.sources

    def our_streams(self, kind):
        return dict(self.ours[kind])

    def devices(self, kind):
        return dict(self._devs(kind))

    def device_names(self, kind):
        return {i: n for i, (n, _) in self._devs(kind).items()}

    def move(self, kind, stream, device):
        self.moves.append((kind, stream, device))
        idx = next(i for i, (n, _) in self._devs(kind).items() if n == device)
        self.ours[kind][stream] = idx

    def pull(self, kind, idx, to):  # the device disappears; PulseAudio moves the stream
        self._devs(kind).pop(idx)
        for s, d in self.ours[kind].items():
            if d == idx:
                self.ours[kind][s] = to


def _route(fake):
    from softphone.audio.pulse_route import HeadsetRoute

    said: list[tuple[str, str]] = []
    route = HeadsetRoute(lambda st, s: said.append((st, s)), interval=0.0, pactl=fake)
    return route, said


def _look(route, times=1):
    for _ in range(times):
        route._next = 0.0
        route.poll()


def test_route_names_the_fallback_then_moves_the_streams_home() -> None:
    fake = FakePactl()
    route, said = _route(fake)
    _look(route)
    assert route.home == {"sink": "usb_headset", "source": "usb_headset_mic"}
    fake.pull("sink", 1, 2)
    fake.pull("source", 5, 6)
    _look(route, 3)
    assert said == [
        (
            "unplugged",
            "The headset was unplugged: the call goes on through Built-in Audio and Laptop Mic.",
        )
    ]
    fake.sinks[7] = ("usb_headset", "USB Headset")  # back, with new indices
    fake.sources[8] = ("usb_headset_mic", "USB Headset Mic")
    _look(route, 2)
    assert fake.moves == [("sink", 40, "usb_headset"), ("source", 50, "usb_headset_mic")]
    assert said[1] == ("back", "The headset is back: the call goes on through USB Headset.")
    assert len(said) == 2 and not route.away


def test_route_with_nothing_left_says_silence_and_follows_a_deliberate_move() -> None:
    fake = FakePactl()
    route, said = _route(fake)
    _look(route)
    fake.move("sink", 40, "laptop")  # the rep chose another device: no sentence, new home
    _look(route, 2)
    assert said == [] and route.home["sink"] == "laptop"
    fake.sinks[9] = ("auto_null", "Dummy Output")
    fake.sources[10] = ("auto_null.monitor", "Monitor of Dummy Output")
    fake.pull("sink", 2, 9)
    fake.pull("source", 5, 10)
    fake.sources.pop(6)
    _look(route, 2)
    assert [st for st, _ in said] == ["silent"] and "in silence" in said[0][1]


def test_route_turns_itself_off_without_pulseaudio_streams() -> None:
    fake = FakePactl()
    fake.ours = {"sink": {}, "source": {}}
    route, said = _route(fake)
    _look(route, 6)
    assert not route.enabled and said == []


def test_call_view_shows_the_audio_sentences(qtbot) -> None:
    """RecordingFailed and HeadsetChanged reach the window through the bridge's audioNotice
    signal; the call view puts each one in the call's controls (one line per topic)."""
    from types import SimpleNamespace

    from app.bridge import Bridge
    from app.call_view import CallView
    from softphone.protocol import HeadsetChanged, RecordingFailed
    from softphone.ui.call_controls import CallControls

    controls = CallControls()
    qtbot.addWidget(controls)
    controls.show_call("Dana", "+15550100")
    shown: list[str] = []
    window = SimpleNamespace(
        phone=SimpleNamespace(controls=controls),
        statusBar=lambda: SimpleNamespace(showMessage=lambda s, ms: shown.append(s)),
    )
    bridge = Bridge()
    on_screen = SimpleNamespace(call_id="c1", uuid="u1")  # the call on screen
    view = CallView(window, bridge, None, None, lambda: on_screen)  # noqa: F841 - it listens
    unplugged = "The headset was unplugged: the call goes on through Built-in Audio."
    with qtbot.waitSignal(bridge.audioNotice):
        bridge.post(HeadsetChanged("unplugged", unplugged))
    assert not controls.audio_note.isHidden() and controls.audio_note.text() == unplugged
    assert controls.audio_note.property("tone") == "warn"
    recording = "Recording stopped after 4 s because the disk is full: the call goes on."
    with qtbot.waitSignal(bridge.audioNotice):
        bridge.post(RecordingFailed("other-call", "/x.wav", "not this call's"))
    with qtbot.waitSignal(bridge.audioNotice):
        bridge.post(RecordingFailed("c1", "/x.wav", recording))
    back = "The headset is back: the call goes on through USB Headset."
    with qtbot.waitSignal(bridge.audioNotice):
        bridge.post(HeadsetChanged("back", back))
    assert controls.audio_note.text() == back + "\n" + recording
    assert shown == [unplugged, recording, back]
    controls.show_call("Next", "+15550101")  # a new call starts clean
    assert controls.audio_note.isHidden()
