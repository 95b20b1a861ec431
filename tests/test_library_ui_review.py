"""The review screen in a real Qt window over a real library (the app's Services with its
io worker and StoreWriter; no SIP engine or speech model needed): list, search, open a call,
click a flag and hear the recording from that moment, save notes and a disposition."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from calling import history
from coach.library import recordings
from tests.library_helpers import T0, add_call, fresh_db

pytestmark = [pytest.mark.ui, pytest.mark.audio]

METRICS = {
    "talk_ratio": 0.72, "talk_ratio_target": 0.45, "talk_ratio_limit": 0.6,
    "open_questions": 1, "closed_questions": 2, "questions_target": [4, 8],
    "patience_seconds": 0.4, "patience_target": [0.8, 3.0], "interruptions": 1,
    "longest_monologue_seconds": 48.0,
    "qualification": {
        "project": {"label": "Project", "covered": True},
        "budget": {"label": "Budget", "covered": False},
    },
}  # fmt: skip


@pytest.fixture
def services(qtbot, tmp_path, monkeypatch):
    from app.bridge import Bridge
    from app.lifecycle import Services
    from app.settings import Settings

    db = fresh_db(tmp_path)
    wav = tmp_path / "call.wav"
    t = np.arange(16000 * 30) / 16000
    tone = (6000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16)
    sf.write(wav, np.stack([tone, tone], axis=1), 16000, subtype="PCM_16")
    dana = add_call(
        db,
        lines=[
            ("rep", 1.0, "Hi Dana, just checking in about the webinar"),
            ("prospect", 4.0, "We are budgeting for a new CRM rollout"),
            ("rep", 12.0, "I need an answer today"),
        ],
        flags=[("vague_language", 1.0, "just checking in"), ("pressure", 12.0, "answer today")],
        metrics=METRICS,
        notes="Send the pricing sheet",
    )
    from coach.library import store

    store.add_comment(db, dana, 12.5, "Too pushy here, give an easy exit", author="Lee")
    uuid = history.get_call(db, dana)["uuid"]
    flac = recordings.store_recording(wav, recordings.recordings_dir(tmp_path), uuid)
    history.set_recording(db, dana, str(flac))
    add_call(db, contact="Omar Diaz", number="+14155550111", started_at=T0 + 3600,
             lines=[("rep", 1.0, "Tell me about your budget process")])  # fmt: skip
    db.close()
    bridge = Bridge()
    svc = Services(bridge, Settings(), db_path=tmp_path / "callcoach.db",
                   use_engine=False, use_model=False)  # fmt: skip
    svc.start()
    svc.dana = dana
    yield svc
    svc.stop()


def test_review_screen_lists_searches_plays_and_saves(qtbot, services, tmp_path):
    from coach.ui.review import ReviewScreen

    screen = ReviewScreen(services)
    qtbot.addWidget(screen)
    screen.resize(1280, 760)
    screen.show()
    qtbot.waitUntil(lambda: screen.calls.results.count() == 2, timeout=5000)
    assert "Omar Diaz" in screen.calls.results.item(0).text()  # newest first
    qtbot.waitUntil(lambda: screen.data is not None, timeout=5000)  # and opened at once
    assert screen.title.text() == "Omar Diaz"

    screen.calls.search_field.setText("budget")
    with qtbot.waitSignal(screen.calls.listLoaded, timeout=5000):
        screen.calls.refresh()
    assert screen.calls.results.count() == 2 and "[budget]" in screen.calls.results.item(0).text()

    # Open Dana's call from the search hit: the transcript line of the hit is selected.
    hit = next(
        i
        for i in range(screen.calls.results.count())
        if "Dana" in screen.calls.results.item(i).text()
    )
    dana = services.dana
    with qtbot.waitSignal(screen.callLoaded, timeout=5000, check_params_cb=lambda c: c == dana):
        screen.calls.results.itemClicked.emit(screen.calls.results.item(hit))
    assert screen.transcript.count() == 3
    assert screen.transcript.currentRow() == 1
    assert screen.flag_list.count() == 3  # two flags, then the lead's comment
    assert "Comment from Lee\nToo pushy here" in screen.flag_list.item(2).text()
    marks = {name: mark for name, _, _, mark in screen.scorecard.lines}
    assert marks["Talk ratio (you)"] == "✗" and marks["Qualified: Project"] == "✓"
    assert len(screen.timeline.flags) == 2

    # Clicking the pressure flag plays the recording from just before it.
    with qtbot.waitSignal(screen.player.positionChanged, timeout=5000):
        screen.flag_list.itemClicked.emit(screen.flag_list.item(1))
    qtbot.waitUntil(lambda: screen.player.position > 11.5, timeout=5000)
    assert 11.0 <= screen.timeline.playhead < 20
    screen.player.stop()
    assert not screen.player.is_playing()

    # Timeline clicks seek too.
    x = screen.timeline.x_of(20.0)
    screen.timeline.seekRequested.emit(screen.timeline.seconds_at(x))
    assert abs(screen.player.position - 20.0) < 0.5
    screen.player.stop()

    screen.grab().save(str(tmp_path / "review.png"))
    assert (tmp_path / "review.png").stat().st_size > 10_000

    screen.notes.setPlainText("Booked a demo for Tuesday")
    screen.disposition.setCurrentIndex(screen.disposition.findData("meeting_booked"))
    with qtbot.waitSignal(screen.saved, timeout=5000):
        screen.save_notes()
    db = fresh_db(tmp_path)
    call = history.get_call(db, services.dana)
    assert (call["notes"], call["disposition"]) == ("Booked a demo for Tuesday", "meeting_booked")

    with qtbot.waitSignal(screen.callLoaded, timeout=5000, check_params_cb=lambda c: c == dana):
        screen.open_call_uuid(call["uuid"])

    out = tmp_path / "for-lead.ccbundle"
    with qtbot.waitSignal(screen.calls.bundleExported, timeout=5000):
        screen.calls.export_bundle(str(out))
    from app.calls_table import CALLS_TABLE
    from coach.library import bundle_import

    lead = fresh_db(tmp_path / "lead")
    result = bundle_import.import_beside_database(lead, out, CALLS_TABLE)
    assert len(result["imported"]) == 2
    assert (tmp_path / "lead" / "recordings" / f"{call['uuid']}.flac").exists()


def test_review_screen_filters_by_flag_kind(qtbot, services):
    from coach.ui.review import ReviewScreen

    screen = ReviewScreen(services)
    qtbot.addWidget(screen)
    qtbot.waitUntil(lambda: screen.calls.results.count() == 2, timeout=5000)
    with qtbot.waitSignal(screen.calls.listLoaded, timeout=5000):
        screen.calls.kind_combo.setCurrentIndex(screen.calls.kind_combo.findData("pressure"))
    assert screen.calls.results.count() == 1 and "Dana" in screen.calls.results.item(0).text()
    screen.calls.search_field.setText('"')
    screen.calls.refresh()
    assert "at least one word" in screen.calls.list_hint.text()
