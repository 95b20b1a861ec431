"""The real window dials a real far end (a second engine: `main.py answer --play`), shows the
call's state changes, then transcript lines in both lanes and a coach card for a line the rep
says that should be flagged. The rep's voice is a flite WAV played as the engine's microphone
(EngineConfig audio="file"); the prospect's is a flite WAV the far end plays.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer

pytestmark = [pytest.mark.ui, pytest.mark.sip, pytest.mark.asr]

ROOT = Path(__file__).resolve().parent.parent
REP_LINE = "Hi Dana, as we discussed, I am just checking in to touch base with you."
PROSPECT_LINE = "Hello, yes. We are looking for a new phone system for the sales team."


def _flite(text: str, out: Path) -> Path:
    subprocess.run(["flite", "-voice", "kal16", "-t", text, "-o", str(out)], check=True)
    return out


@pytest.fixture
def far_end(tmp_path: Path):
    """A second engine answering on a random loopback port, playing the prospect's line."""
    wav = _flite(PROSPECT_LINE, tmp_path / "prospect.wav")
    proc = subprocess.Popen(
        [sys.executable, "main.py", "answer", "--port", "0", "--bind", "127.0.0.1",
         "--play", str(wav), "--seconds", "14", "--wait", "60"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    line = proc.stdout.readline()
    m = re.search(r"sip:\S+@127\.0\.0\.1:(\d+)", line)
    assert m, f"far end did not start: {line!r}"
    yield f"sip:prospect@127.0.0.1:{m.group(1)}"
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def desktop(qtbot, tmp_path: Path, monkeypatch):
    from app.desktop import DesktopApp
    from softphone.protocol import EngineConfig

    monkeypatch.setenv("CALLCOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path / "data"))
    rep = _flite(REP_LINE, tmp_path / "rep.wav")
    cfg = EngineConfig(bind_address="127.0.0.1", audio="file", play_file=str(rep))
    app = DesktopApp(engine_config=cfg, model_path=os.environ.get("CALLCOACH_MODEL"))
    app.show()
    yield app
    assert app.shutdown() == [], "threads or processes left after shutdown"


def _rows_on_disk(uuid: str) -> tuple[int, int]:
    """(utterances, flags) stored for the call, read from the file by another connection."""
    import sqlite3

    db = sqlite3.connect(Path(os.environ["CALLCOACH_DATA_DIR"]) / "callcoach.db")
    try:
        n = [
            db.execute(
                f"SELECT count(*) FROM {t} WHERE call_id = (SELECT id FROM calls WHERE uuid = ?)",
                (uuid,),
            ).fetchone()[0]
            for t in ("utterances", "flags")
        ]
    finally:
        db.close()
    return n[0], n[1]


def test_dial_real_peer_shows_states_transcript_and_coach_card(desktop, far_end, qtbot) -> None:
    w = desktop.window
    qtbot.waitUntil(desktop.services.engine_ready.is_set, timeout=20000)
    qtbot.waitUntil(lambda: desktop.services.model is not None, timeout=30000)

    states: list[str] = []
    desktop.bridge.callStateChanged.connect(lambda ev: states.append(ev.state))
    field = w.phone.dialer.field
    qtbot.keyClicks(field, far_end)
    assert w.phone.dialer.preview.text() == f"Dials {far_end}"
    qtbot.keyClick(field, "\r")  # Enter dials
    # The GUI thread must never wait on SIP, audio, Vosk or SQLite: a 20 ms timer keeps ticking
    # (typically 120-170 ms worst gap here on 2 busy cores; a blocking wait would be seconds).
    gaps = {"last": time.monotonic(), "max": 0.0}

    def tick() -> None:
        if not shiboken6.isValid(w.phone.controls):  # the window went with a failed attempt
            heartbeat.stop()
            return
        now = time.monotonic()
        gaps["max"] = max(gaps["max"], now - gaps["last"])
        gaps["last"] = now
        meters = w.phone.controls.meters.values()
        gaps["meter"] = max(gaps.get("meter", 0), *(b.value() for b in meters))

    # Parented to the window, so it dies with it: a failed attempt (the suite reruns real-time
    # tests once) must not leave it ticking on deleted widgets into the next test.
    heartbeat = QTimer(w)
    heartbeat.timeout.connect(tick)
    heartbeat.start(20)

    qtbot.waitUntil(lambda: "connected" in states, timeout=15000)
    assert w.phone.middle.currentWidget() is w.phone.call_view
    assert w.phone.controls.state_label.text() == "Connected"
    assert w.phone.controls.hangup.isEnabled()

    transcript = w.phone.transcript
    qtbot.waitUntil(
        lambda: bool(transcript.texts("prospect") and transcript.texts("rep")), timeout=30000
    )
    assert "phone system" in " ".join(transcript.texts("prospect"))
    assert "touch base" in " ".join(transcript.texts("rep"))
    # the level meters follow the audio taps (polled, not signalled per block)
    assert desktop.controller.session.samples["prospect"] > 16000
    assert gaps.get("meter", 0) > 20  # someone spoke: a meter moved

    feed = w.phone.coach.feed
    qtbot.waitUntil(lambda: len(feed.flag_cards()) > 0, timeout=10000)
    kinds = {c.flag.kind for c in feed.flag_cards()}
    assert kinds & {"vague_language", "false_familiarity"}, kinds
    card = feed.flag_cards()[0]
    assert card.suggestion.text().startswith("Try: ")
    # while the call still runs, what the coach saw is already on disk (a crash keeps it)
    uuid = desktop.controller.db_uuid
    assert uuid and desktop.controller.call_id is not None
    qtbot.waitUntil(lambda: all(n > 0 for n in _rows_on_disk(uuid)), timeout=2000)

    qtbot.keyClick(w, "d", modifier=Qt.KeyboardModifier.ControlModifier)  # Ctrl+D hangs up
    qtbot.waitUntil(lambda: "disconnected" in states, timeout=10000)
    assert w.phone.controls.state_label.text() == "Call ended"
    assert states[: states.index("connected")] and states.index("connected") < states.index(
        "disconnected"
    )
    heartbeat.stop()
    print(f"max GUI gap during the call: {gaps['max'] * 1000:.0f} ms")
    assert gaps["max"] < 0.75, f"the GUI thread stalled for {gaps['max']:.2f} s during the call"
    # the call reaches the history: the recents list shows it
    recents = w.phone.dialer.list
    qtbot.waitUntil(lambda: "Outgoing" in recents.item(0).text(), timeout=10000)
    # ... and "Review this call" opens it in the library's review screen
    assert not w.phone.controls.review.isHidden()
    qtbot.mouseClick(w.phone.controls.review, Qt.MouseButton.LeftButton)
    screen = w.pages["review"]
    assert w.stack.currentWidget() is screen

    def reviewed() -> bool:
        call = (getattr(screen, "data", None) or {}).get("call") or {}
        return call.get("uuid") == desktop.controller.last_uuid

    qtbot.waitUntil(reviewed, timeout=10000)
    # the call was recorded (left rep, right prospect) and kept as FLAC for the review's Play
    import soundfile

    path = screen.data["call"]["recording_path"]
    assert path.endswith(".flac")
    info = soundfile.info(path)
    assert info.channels == 2 and info.duration > 3
