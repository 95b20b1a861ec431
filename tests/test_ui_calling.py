"""The Calling page in the real window: import a CSV list through the import dialog, start a
session on it, see the first contact's card and opener, dial a real sipp peer (the call shows
on the Phone page with the live call view), hang up, book the meeting and get the next card.
Screenshots go to $CALLCOACH_SCREENSHOTS (or the test's tmp dir)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tests.needs import needs
from tests.sip_support import sipp, sipp_result

pytestmark = [
    pytest.mark.ui,
    pytest.mark.sip,
    needs("sipp"),
]

LIST = """Name,Company,Phone,Last Action,Last Action Date
Dana Smith,Acme,+1 212 555 0101,downloaded the white paper on mobile device management,2026-11-17
Lee Chan,Globex,+1 415 555 0102,attended the payroll webinar,2026-11-10
,,,,
Nobody,Initech,12,,
"""


@pytest.fixture
def desktop(qtbot, tmp_path: Path, monkeypatch):
    from app.desktop import DesktopApp
    from softphone.protocol import EngineConfig

    monkeypatch.setenv("CALLCOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path / "data"))
    cfg = EngineConfig(bind_address="127.0.0.1", audio="null")
    app = DesktopApp(engine_config=cfg, use_model=False, listen=False)
    app.show()
    yield app
    assert app.shutdown() == [], "threads or processes left after shutdown"


def _shot(widget, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("CALLCOACH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(folder / f"{name}.png"))


def test_calling_page_imports_dials_and_records_outcome(desktop, qtbot, tmp_path) -> None:
    from app.calling_page import CallingPage
    from app.settings import Settings

    w, c = desktop.window, desktop.controller
    assert Settings().calling_hours == "8-20"
    qtbot.waitUntil(desktop.services.engine_ready.is_set, timeout=20000)
    w.nav_buttons["calling"].click()
    page = w.pages["calling"]
    assert isinstance(page, CallingPage) and w.stack.currentWidget() is page
    assert not page.start_button.isEnabled()  # no list yet
    from calling.ui.practice_view import PracticeView

    page.practice_button.click()  # the practice partner, on the app's engine
    assert isinstance(page.stack.currentWidget(), PracticeView)
    assert page.practice.choice.count() > 0 and page.practice.client is desktop.services.engine
    page.practice_button.click()
    assert page.stack.currentWidget() is page.hint

    src = tmp_path / "week 47.csv"
    src.write_text(LIST)
    dialog = page.open_import()
    dialog.load(src)
    assert dialog.summary.text() == "2 contacts ready to import, 1 rows rejected."
    dialog.import_button.click()
    qtbot.waitUntil(lambda: page.lists.count() == 1, timeout=5000)
    assert page.lists.currentText() == "week 47 — 0/2 worked"
    assert page.start_button.isEnabled() and page.start_button.text() == "Start dialing"

    # the calling window comes from the settings: a bad one is a sentence, no session
    desktop.settings.calling_hours = "8 to 20"
    page.start_button.click()
    assert page.queue is None and "not a calling window" in page.hint.text()
    desktop.settings.calling_hours = "0-24"  # every contact callable whatever the hour

    with sipp("-sn", "uas", "-rtp_echo") as peer:
        page.uri_template = f"sip:{{number}}@127.0.0.1:{peer['port']}"
        page.start_button.click()
        view = page.view
        assert view is not None and page.stack.currentWidget() is view
        qtbot.waitUntil(lambda: view.name.text() == "Dana Smith", timeout=5000)
        assert "white paper on mobile device management" in view.opener.text()
        assert view.dial.isEnabled() and not page.lists.isEnabled()
        _shot(w, "calling-card", tmp_path)

        qtbot.keyClick(view, Qt.Key.Key_Return)  # Enter dials
        qtbot.waitUntil(lambda: view.state.text() == "On the call", timeout=10000)
        # the controller shows the queue's call: live call view on the Phone page, coach on
        qtbot.waitUntil(lambda: w.stack.currentWidget() is w.phone, timeout=3000)
        qtbot.waitUntil(lambda: w.phone.controls.state == "connected", timeout=3000)
        assert c.call_id == page.queue.engine_call and c.session is not None
        assert w.phone.middle.currentWidget() is w.phone.call_view
        qtbot.wait(1500)  # some call audio for the recording
        qtbot.keyClick(w, "d", modifier=Qt.KeyboardModifier.ControlModifier)  # Ctrl+D hangs up
        qtbot.waitUntil(lambda: view.state.text() == "Choose the outcome", timeout=10000)
        qtbot.waitUntil(lambda: w.stack.currentWidget() is page, timeout=3000)
        assert c.call_id is None and w.phone.controls.state == "disconnected"
        assert view.buttons["connected"].property("suggested")

        qtbot.keyClick(view, Qt.Key.Key_M)  # meeting booked → the next card
        qtbot.waitUntil(lambda: view.name.text() == "Lee Chan", timeout=5000)
        qtbot.waitUntil(lambda: view.counter_labels["meetings"][0].text() == "1", timeout=3000)
        assert view.counter_labels["dials"][0].text() == "1"
        _shot(w, "calling-next", tmp_path)
        rc, err = sipp_result(peer, 10)
        assert rc == 0, err

    page.end_button.click()
    assert page.queue is None and page.lists.isEnabled()
    qtbot.waitUntil(lambda: "1/2 worked · session open" in page.lists.currentText(), timeout=5000)
    assert page.start_button.text() == "Resume"
    db = sqlite3.connect(Path(os.environ["CALLCOACH_DATA_DIR"]) / "callcoach.db")
    try:
        flac = "SELECT recording_path LIKE '%.flac' FROM calls WHERE remote_number = '+12125550101'"
        qtbot.waitUntil(lambda: db.execute(flac).fetchone()[0] == 1, timeout=10000)
        outcome = db.execute(
            "SELECT outcome FROM call_list_entries WHERE name = 'Dana Smith'"
        ).fetchone()[0]
        calls = db.execute(
            "SELECT count(*), min(connected_at IS NOT NULL), min(ended_at IS NOT NULL)"
            " FROM calls WHERE remote_number = '+12125550101'"
        ).fetchone()
        recording = db.execute(
            "SELECT recording_path FROM calls WHERE remote_number = '+12125550101'"
        ).fetchone()[0]
        state = db.execute("SELECT state FROM dial_sessions").fetchone()[0]
    finally:
        db.close()
    assert outcome == "meeting_booked"
    assert calls == (1, 1, 1)  # one history row for the call, shared by queue and controller
    assert state == "paused"
    # recorded like a Phone page call: the controller made the library's FLAC of it
    import soundfile

    assert recording and recording.endswith(".flac"), recording
    info = soundfile.info(recording)
    assert info.channels == 2 and info.duration > 0.5
