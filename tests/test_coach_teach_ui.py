"""Teaching the coach in the window: a rep line marked in Review becomes an example in the
library (with who marked it and the prospect's line before it), a coaching-session moment can
be marked "not a problem", a card the semantic layer raised says what it sounds like, and
"Retrain coach" refits the layer for real (real encoder, real SQLite file) off the GUI thread,
shows the before/after summary and reloads the layer for the next call."""

from __future__ import annotations

import sqlite3

import pytest

from tests.library_helpers import T0, add_call, fresh_db

pytestmark = [pytest.mark.ui]


def _examples(path) -> list[dict]:
    conn = sqlite3.connect(str(path))
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM coach_examples ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture
def library(tmp_path):
    db = fresh_db(tmp_path)
    add_call(db, contact="Dana Smith", started_at=T0 - 86400,
             lines=[("rep", 1.0, "hi dana")])  # an earlier call with Dana  # fmt: skip
    call = add_call(
        db,
        lines=[
            ("rep", 1.0, "hi dana just checking in about the webinar"),
            ("prospect", 4.0, "we already work with another vendor for that"),
            ("rep", 8.0, "everyone in your space has already switched to us"),
            ("prospect", 11.0, "i see"),
            ("rep", 12.0, "i need an answer today"),
        ],
        flags=[("vague_language", 1.0, "hi dana just checking in about the webinar"),
               ("pressure", 12.0, "i need an answer today")],
    )
    from coach.library import store

    store.add_flag(db, call, {
        "kind": "arguing", "speaker": "rep", "start": 8.0, "end": 10.0,
        "text": "everyone in your space has already switched to us",
        "suggestion": "Ask what would make a change worth it for them.", "label": "Arguing",
        "source": "semantic", "score": 0.87, "resembles": "that's not what our customers say",
    })  # fmt: skip
    db.close()
    return tmp_path, call


def _services(tmp_path, **kw):
    from app.bridge import Bridge
    from app.lifecycle import Services
    from app.settings import Settings

    svc = Services(Bridge(), Settings(rep_name="Lee"), db_path=tmp_path / "callcoach.db",
                   use_engine=False, use_model=False, **kw)  # fmt: skip
    svc.start()
    return svc


def test_marking_a_line_in_review_adds_an_example(qtbot, library):
    from coach.ui.review import ReviewScreen

    tmp_path, call = library
    svc = _services(tmp_path)
    try:
        screen = ReviewScreen(svc)
        qtbot.addWidget(screen)
        screen.resize(1280, 760)
        screen.show()
        screen.open_call(call)
        qtbot.waitUntil(lambda: screen.data is not None and screen.transcript.count() == 5,
                        timeout=5000)  # fmt: skip
        # the semantic flag says what it resembles; rule flags do not
        texts = [screen.flag_list.item(i).text() for i in range(screen.flag_list.count())]
        assert "Sounds like: “That's not what our customers say”" in texts[1]
        assert "Sounds like" not in texts[0] and "Sounds like" not in texts[2]

        assert screen.line_at(1) is None  # a prospect line is not judged
        screen.transcript.setCurrentRow(2)
        line = screen.selected_line()
        assert line["flagged"] == ["arguing"]
        with qtbot.waitSignal(screen.teach.taught, timeout=5000):
            pressure = next(a for a in screen.teach.flag_as_menu.actions() if a.text() == "Pressure")
            pressure.trigger()
        screen.transcript.setCurrentRow(0)  # flagged as vague: not a problem
        with qtbot.waitSignal(screen.teach.taught, timeout=5000):
            screen.teach.quiet_button.click()
        assert "not a problem" in screen.teach.status.text()

        rows = _examples(tmp_path / "callcoach.db")
        assert [(r["kind"], r["rep_text"]) for r in rows] == [
            ("pressure", "everyone in your space has already switched to us"),
            (None, "hi dana just checking in about the webinar"),
        ]
        assert rows[0]["prospect_text"] == "we already work with another vendor for that"
        assert rows[1]["prospect_text"] == ""  # the first line of the call
        assert {r["added_by"] for r in rows} == {"Lee"}
        assert {r["call_id"] for r in rows} == {call}
        assert {r["previous_calls"] for r in rows} == {1}  # Dana had one earlier call

        # the context menu offers the same: five kinds, and "Not a problem" on a flagged line
        from PySide6.QtWidgets import QMenu

        from coach.ui.teach import teach_menu

        menu = QMenu()
        teach_menu(menu, screen.line_at(4), lambda *_: None)
        sub = menu.actions()[0].menu()
        assert menu.actions()[0].text() == "Should have been flagged as…"
        assert [a.text() for a in sub.actions()] == [
            "Arguing", "Pressure", "Vague language", "False familiarity", "Content dump"]
        assert not sub.actions()[1].isEnabled()  # already flagged as pressure
        assert menu.actions()[1].text() == "Not a problem"
    finally:
        svc.stop()


def test_a_coaching_moment_can_be_marked_not_a_problem(qtbot, library):
    from coach.library import sessions
    from coach.ui.library_access import LibraryAccess
    from coach.ui.session_panel import SessionPanel

    tmp_path, _call = library
    svc = _services(tmp_path)
    try:
        panel = SessionPanel(LibraryAccess(svc), lambda: "alice", lambda: (T0 - 10, T0 + 86400))
        qtbot.addWidget(panel)
        db = fresh_db(tmp_path)
        sid = sessions.create_session(db, "alice", T0 - 10, T0 + 86400, title="Week 10")
        db.close()
        with qtbot.waitSignal(panel.momentsLoaded, timeout=5000):
            panel.open_session(sid)
        pressure = next(i for i in range(panel.moment_list.count())
                        if "answer today" in panel.moment_list.item(i).text())  # fmt: skip
        panel.moment_list.setCurrentRow(pressure)
        with qtbot.waitSignal(panel.teach.taught, timeout=5000):
            panel.teach.quiet_button.click()
        (row,) = _examples(tmp_path / "callcoach.db")
        assert row["kind"] is None and row["rep_text"] == "i need an answer today"
        assert row["prospect_text"] == "i see" and row["added_by"] == "Lee"
    finally:
        svc.stop()


def test_a_semantic_card_says_what_it_sounds_like(qtbot):
    from coach.types import Flag
    from coach.ui.cards import CardFeed

    feed = CardFeed()
    qtbot.addWidget(feed)
    semantic = Flag("arguing", "rep", 8.0, 10.0, "with respect that is not how this works",
                    "Ask what works for them instead.", "", "Arguing", "semantic", 0.9,
                    "no that's not right")  # fmt: skip
    rule = Flag("pressure", "rep", 12.0, 13.0, "i need an answer today",
                "Offer an easy exit.", "answer today", "Pressure")  # fmt: skip
    card = feed.add_flag(semantic)
    assert card.title.text() == "ARGUING"
    assert card.suggestion.text() == "Try: Ask what works for them instead."
    assert card.resembles.text() == "Sounds like: “No that's not right”"
    assert not card.resembles.isHidden()
    plain = feed.add_flag(rule)
    assert plain.resembles.isHidden() and "<b>answer today</b>" in plain.words.text()


def test_retrain_button_refits_the_layer_and_shows_the_summary(qtbot, library, monkeypatch):
    from coach.ui.review import ReviewScreen

    tmp_path, call = library
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path))
    svc = _services(tmp_path, use_semantic=True)
    messages: list[str] = []
    svc.coach.on_semantic_changed.append(messages.append)
    try:
        screen = ReviewScreen(svc)
        qtbot.addWidget(screen)
        screen.show()
        screen.open_call(call)
        qtbot.waitUntil(lambda: screen.transcript.count() == 5, timeout=5000)
        screen.transcript.setCurrentRow(2)
        with qtbot.waitSignal(screen.teach.taught, timeout=5000):
            screen.teach.teach_current("arguing")
        with qtbot.waitSignal(screen.teach.retrained, timeout=600_000):
            screen.teach.retrain_button.click()
            assert not screen.teach.retrain_button.isEnabled()  # the GUI thread stays free
            assert screen.teach.progress.isVisible()
        assert screen.teach.dialog is not None and screen.teach.dialog.isVisible()
        text = screen.teach.dialog.text.toPlainText()
        assert text.startswith("Retrained on ") and "(1 taught by your team)" in text
        assert "Arguing" in text and "All five" in text
        assert (tmp_path / "semantic_layer.npz").exists()
        assert "retrained on" in screen.teach.status.text()
        # the layer reloads for the next call
        qtbot.waitUntil(lambda: svc.semantic_layer() is not None, timeout=60_000)
        qtbot.waitUntil(lambda: "retrained semantic layer" in svc.coach.semantic_message, timeout=5000)
        assert messages[-1] == "The coach uses phrase rules and the retrained semantic layer."
    finally:
        svc.stop()
