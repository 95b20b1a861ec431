"""The coaching screen in a real Qt window over a real library: the dashboard's charts for a
rep and period, a session built from flagged moments filtered by kind, the playlist played in
order through the audio device, timestamped comments, discussed marks, PDF and CSV export."""

from __future__ import annotations

import datetime as dt
import subprocess

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt

from calling import history
from coach.library import recordings
from tests.library_helpers import DAY, T0, add_call, fresh_db

pytestmark = [pytest.mark.ui, pytest.mark.audio]

METRICS = {"talk_ratio": 0.55, "open_questions": 3, "closed_questions": 1,
           "qualification": {"budget": {"covered": True}, "timeline": {"covered": False}}}  # fmt: skip


@pytest.fixture
def services(qtbot, tmp_path):
    from app.bridge import Bridge
    from app.lifecycle import Services
    from app.settings import Settings

    db = fresh_db(tmp_path)
    wav = tmp_path / "call.wav"
    tone = (5000 * np.sin(np.arange(16000 * 8) * 0.05)).astype(np.int16)
    sf.write(wav, np.stack([tone, tone], axis=1), 16000, subtype="PCM_16")
    for i in range(6):  # two weeks of alice's calls, plus one of bob's
        call = add_call(
            db,
            contact=f"Prospect {i}",
            number=f"+1415555{i:04d}",
            started_at=T0 + i * 2 * DAY,
            lines=[("rep", 1.0, "Just checking in"), ("rep", 4.0, "I need an answer today")],
            flags=[("vague_language", 1.0, "just checking in"), ("pressure", 4.0, "answer today")],
            metrics=METRICS,
        )
        uuid = history.get_call(db, call)["uuid"]
        flac = recordings.store_recording(wav, recordings.recordings_dir(tmp_path), uuid)
        history.set_recording(db, call, str(flac))
    add_call(db, rep="bob", contact="Kim", flags=[("arguing", 1.0, "No, not really")])
    db.close()
    svc = Services(Bridge(), Settings(), db_path=tmp_path / "callcoach.db",
                   use_engine=False, use_model=False)  # fmt: skip
    svc.start()
    yield svc
    svc.stop()


def test_coaching_session_end_to_end(qtbot, services, tmp_path):
    from coach.ui.coaching import CoachingScreen

    screen = CoachingScreen(services)
    qtbot.addWidget(screen)
    screen.resize(1280, 760)
    screen.show()
    qtbot.waitUntil(lambda: screen.rep_combo.count() == 3, timeout=5000)  # All reps + 2
    screen.rep_combo.setCurrentText("alice")
    start = dt.date.fromtimestamp(T0)
    screen.set_period(start, start + dt.timedelta(days=13))
    qtbot.waitUntil(
        lambda: (
            screen.dashboard.data is not None
            and screen.dashboard.data["rep"] == "alice"
            and screen.dashboard.data["totals"]["calls"] == 6
        ),
        timeout=5000,
    )
    weeks = screen.dashboard.data["weeks"]
    assert [w["calls"] for w in weeks] == [4, 2]
    assert screen.dashboard.flags.series[0].values == [1.0, 1.0]
    assert all(len(c.labels) == 2 for c in screen.dashboard.charts())
    screen.grab().save(str(tmp_path / "dashboard.png"))

    screen.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(screen.session.playlistLoaded, timeout=5000):
        screen.session.new_session(lead="Lee")
    qtbot.waitUntil(lambda: screen.session.moment_list.count() == 12, timeout=5000)
    with qtbot.waitSignal(screen.session.momentsLoaded, timeout=5000):
        screen.session.kind_combo.setCurrentIndex(screen.session.kind_combo.findData("pressure"))
    assert screen.session.moment_list.count() == 6
    screen.session.moment_list.item(0).setSelected(True)
    screen.session.moment_list.item(1).setSelected(True)
    with qtbot.waitSignal(screen.session.playlistLoaded, timeout=5000):
        screen.session.add_moments()
    assert screen.session.playlist.count() == 2

    # Play all: both moments play in order (2 s lead-in + 2 s moment + 2 s tail each).
    screen.session.play_all()
    qtbot.waitUntil(lambda: screen.session._playing_index == 1, timeout=15000)
    qtbot.waitUntil(lambda: screen.session.player.position >= 2.5, timeout=5000)
    with qtbot.waitSignal(screen.session.playlistLoaded, timeout=5000):
        screen.session.add_comment("Give Prospect 1 an easy way out")
    comment = screen.session.items[1]["comments"][0]
    assert comment["text"] == "Give Prospect 1 an easy way out"
    assert 2.5 <= comment["at_s"] <= 8.0  # stamped at the moment being heard
    qtbot.waitUntil(lambda: not screen.session._play_all, timeout=15000)

    with qtbot.waitSignal(screen.session.playlistLoaded, timeout=5000):
        screen.session.playlist.item(0).setCheckState(Qt.CheckState.Checked)
    assert screen.session.items[0]["discussed"] == 1 and screen.session.items[1]["discussed"] == 0
    screen.grab().save(str(tmp_path / "coaching.png"))

    pdf = tmp_path / "session.pdf"
    with qtbot.waitSignal(screen.exported, timeout=10000):
        screen.session.export_pdf(str(pdf))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "Give Prospect 1 an easy way out" in text and "Lead: Lee" in text
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p*.png"))
    csv_path = tmp_path / "metrics.csv"
    with qtbot.waitSignal(screen.exported, timeout=10000):
        screen.export_csv(str(csv_path))
    assert csv_path.read_text().count("\n") == 7  # header + alice's six calls


def test_lead_imports_a_bundle_twice_without_duplicates(qtbot, services, tmp_path):
    from app.bridge import Bridge
    from app.lifecycle import Services
    from app.settings import Settings
    from coach.library import bundle
    from coach.ui.coaching import CoachingScreen

    out = tmp_path / "alice.ccbundle"
    bundle.export_bundle(fresh_db(tmp_path), out, rep="alice")
    lead_dir = tmp_path / "lead"
    lead_dir.mkdir()
    lead = Services(Bridge(), Settings(), db_path=lead_dir / "callcoach.db",
                    use_engine=False, use_model=False)  # fmt: skip
    lead.start()
    try:
        screen = CoachingScreen(lead)
        qtbot.addWidget(screen)
        with qtbot.waitSignal(screen.imported, timeout=10000) as first:
            screen.import_bundle(str(out))
        with qtbot.waitSignal(screen.imported, timeout=10000) as second:
            screen.import_bundle(str(out))
        assert len(first.args[0]["imported"]) == 6 and second.args[0]["imported"] == []
        assert "6 were already here" in screen.status_text
        qtbot.waitUntil(lambda: screen.rep_combo.count() == 2, timeout=5000)
        # the lead has no rep name of their own: the dashboard opens on every rep
        assert screen.rep() == "" and screen.rep_combo.itemText(1) == "alice"
        db = fresh_db(lead_dir)
        assert db.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 6
        assert len(list((lead_dir / "recordings").glob("*.flac"))) == 6
        # a file that is not a bundle: one sentence on the screen, nothing written or left
        junk = tmp_path / "junk.ccbundle"
        junk.write_text("not a zip")
        screen.import_bundle(str(junk))
        qtbot.waitUntil(lambda: "not a Call Coach bundle" in screen.problem.text(), timeout=5000)
        assert db.execute("SELECT COUNT(*) FROM calls").fetchone()[0] == 6
        assert len(list((lead_dir / "recordings").iterdir())) == 6
    finally:
        lead.stop()
