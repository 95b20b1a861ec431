"""Every page is useful before (and beside) any call: the Coaching dashboard opens on the rep's
own calls, or on every rep for an imported team or when no rep name is set; empty pages say
what to do next; the filters' dates follow the locale and read as dates. Real Qt widgets
(offscreen) over a real SQLite library through the app's Services."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from PySide6.QtCore import QDate, QLocale

from tests.library_helpers import fresh_db

pytestmark = pytest.mark.ui

NOW = time.time() - 3600  # calls an hour ago: inside the dashboard's default 4 weeks


def _services(tmp_path, rep_name: str, calls: list[str]):
    from app.bridge import Bridge
    from app.lifecycle import Services
    from app.settings import Settings
    from tests.library_helpers import add_call

    db = fresh_db(tmp_path)
    for i, rep in enumerate(calls):
        add_call(db, rep=rep, contact=f"Prospect {i}", number=f"+1415555{i:04d}",
                 started_at=NOW - i * 60, lines=[("rep", 1.0, "What is driving the project?")],
                 metrics={"talk_ratio": 0.5})  # fmt: skip
    db.close()
    svc = Services(Bridge(), Settings(rep_name=rep_name), db_path=tmp_path / "callcoach.db",
                   use_engine=False, use_model=False)  # fmt: skip
    svc.start()
    return svc


def _coaching(qtbot, svc):
    from coach.ui.coaching import CoachingScreen

    screen = CoachingScreen(svc)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.dashboard.data is not None, timeout=5000)
    return screen


def test_default_rep_rule() -> None:
    from coach.library.dashboard import default_rep

    assert default_rep(["alice"], "alice") == "alice"  # only my calls: mine
    assert default_rep(["alice", "bob"], "alice") == ""  # an imported team: every rep
    assert default_rep(["alice"], "") == ""  # no rep name set: every rep
    assert default_rep([], "alice") == ""  # no named calls yet
    assert default_rep(["bob"], "alice") == ""  # only someone else's calls


def test_dashboard_opens_on_my_own_calls(qtbot, tmp_path) -> None:
    svc = _services(tmp_path, "alice", ["alice", "alice", "alice"])
    try:
        screen = _coaching(qtbot, svc)
        assert screen.rep() == "alice" and screen.rep_combo.currentText() == "alice"
        assert screen.dashboard.data["totals"]["calls"] == 3
        assert screen.dashboard.summary.text().startswith("ALICE: 3 CALLS")
        assert not screen.dashboard.hint.isVisible()
    finally:
        svc.stop()


@pytest.mark.parametrize("me", ["", "alice"])
def test_dashboard_opens_on_every_rep_for_a_team_or_without_a_name(qtbot, tmp_path, me) -> None:
    svc = _services(tmp_path, me, ["alice", "bob", "", "alice"])
    try:
        screen = _coaching(qtbot, svc)
        assert screen.rep() == "" and screen.rep_combo.currentText() == "All reps"
        assert [screen.rep_combo.itemText(i) for i in range(3)] == ["All reps", "alice", "bob"]
        assert screen.dashboard.data["totals"]["calls"] == 4  # the unnamed call counts too
        assert screen.dashboard.summary.text().startswith("ALL REPS: 4 CALLS")
        # picking one rep narrows it, and a session needs one rep
        screen.rep_combo.setCurrentText("bob")
        qtbot.waitUntil(lambda: screen.dashboard.data["rep"] == "bob", timeout=5000)
        assert screen.dashboard.data["totals"]["calls"] == 1
    finally:
        svc.stop()


def test_empty_library_says_what_to_do_next(qtbot, tmp_path) -> None:
    from coach.ui.review import ReviewScreen

    svc = _services(tmp_path, "alice", [])
    try:
        screen = _coaching(qtbot, svc)
        assert screen.dashboard.hint.isVisible()
        assert screen.dashboard.hint.text().startswith("No calls yet.")
        assert "Phone page" in screen.dashboard.hint.text()
        assert not any(c.isVisible() for c in screen.dashboard.charts())  # no empty charts
        qtbot.waitUntil(lambda: bool(screen.session.sessions_hint.text()), timeout=5000)
        assert "No sessions for" not in screen.session.sessions_hint.text()
        assert screen.session.sessions_hint.text().startswith("No coaching sessions yet.")
        screen.session.new_session()  # "All reps": a session is for one rep
        assert "Pick one rep" in screen.problem.text()

        review = ReviewScreen(svc)
        qtbot.addWidget(review)
        review.show()
        qtbot.waitUntil(lambda: bool(review.calls.list_hint.text()), timeout=5000)
        assert review.calls.list_hint.text().startswith("No calls yet.")
        assert review.title.text() == "No call to review yet"
        assert "Phone page" in review.subtitle.text()
        review.calls.period_box.setChecked(True)  # filters on: a different next step
        qtbot.waitUntil(lambda: "filters" in review.calls.list_hint.text(), timeout=5000)
    finally:
        svc.stop()


def test_calls_outside_the_period_name_the_period_and_the_way_out(qtbot, tmp_path) -> None:
    svc = _services(tmp_path, "alice", ["alice"])
    try:
        screen = _coaching(qtbot, svc)
        old = dt.date.today() - dt.timedelta(days=400)
        screen.set_period(old, old + dt.timedelta(days=7))
        qtbot.waitUntil(lambda: screen.dashboard.data["totals"]["calls"] == 0, timeout=5000)
        qtbot.waitUntil(screen.dashboard.hint.isVisible, timeout=5000)
        hint = screen.dashboard.hint.text()
        assert hint.startswith("No calls for alice from ") and "pick All reps" in hint
        assert screen.since_edit.text() in hint
    finally:
        svc.stop()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("de_DE", "05.11.2026"), ("en_US", "11/5/2026"), ("en_GB", "05/11/2026"),
     ("C", "2026-11-05")],
)  # fmt: skip
def test_dates_follow_the_locale_with_a_four_digit_year(qtbot, name, expected) -> None:
    from coach.ui.dates import date_format

    locale = QLocale.c() if name == "C" else QLocale(name)
    assert QLocale(locale).toString(QDate(2026, 11, 5), date_format(locale)) == expected


def test_review_and_coaching_filters_read_as_dates(qtbot, tmp_path) -> None:
    from coach.ui.dates import date_format
    from coach.ui.review import ReviewScreen

    svc = _services(tmp_path, "alice", [])
    try:
        review = ReviewScreen(svc)
        qtbot.addWidget(review)
        coaching = _coaching(qtbot, svc)
        for edit in (review.calls.since_edit, review.calls.until_edit, coaching.since_edit):
            text = edit.text()
            assert re.search(r"\b\d{4}\b", text), text  # a 4-digit year
            assert re.search(r"\d[./\-]\d", text), text  # separators, not "5 11 2026"
            assert edit.displayFormat() == date_format()
        today = QDate.currentDate()
        assert coaching.until_edit.text() == QLocale.system().toString(today, date_format())
    finally:
        svc.stop()


def test_calling_without_a_list_says_how_to_get_one(qtbot, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CALLCOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("CALLCOACH_DATA_DIR", str(tmp_path / "data"))
    from app.calling_page import NO_LISTS
    from app.desktop import DesktopApp

    app = DesktopApp(use_engine=False, use_model=False, listen=False)
    try:
        app.window.show_page("calling")
        page = app.window.pages["calling"]
        qtbot.waitUntil(lambda: page.hint.text() == NO_LISTS, timeout=5000)
        assert page.stack.currentWidget() is page.hint
        assert "Import list…" in NO_LISTS and page.import_button.text() == "Import list…"
        assert not page.start_button.isEnabled()
    finally:
        assert app.shutdown() == []
