"""The queue view drives a real dialing session: the card shows the suggested opener and the
contact's history, Enter dials a real sipp peer, M books the meeting and brings the next card,
and the counters follow. Screenshots go to $CALLCOACH_SCREENSHOTS (or the test's tmp dir)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.db import open_database
from app.store_writer import StoreWriter
from calling import calllists, history
from calling.calling_hours import CallingWindow
from calling.dialer_queue import DialerQueue
from coach.library import store
from coach.library.queries import flags_on_calls
from coach.types import Flag
from tests.needs import needs
from tests.sip_support import engine, sipp, sipp_result

pytestmark = [
    pytest.mark.ui,
    pytest.mark.sip,
    needs("sipp"),
]

LIST = """Name,Company,Phone,Last Action,Last Action Date
Dana Smith,Acme,+1 212 555 0101,downloaded the white paper on mobile device management,2026-11-17
Lee Chan,Globex,+1 415 555 0102,attended the payroll webinar,2026-11-10
"""


def _shot(widget, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CALLCOACH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def test_queue_view_dials_books_and_moves_on(qtbot, tmp_path) -> None:
    from calling.ui.queue_view import QueueView

    db = open_database(tmp_path / "cc.db")
    with db.atomic():
        dana = history.add_contact(db, "Dana Smith", "+12125550101", "Acme")
        earlier = history.start_call(
            db, remote_number="+12125550101", contact_id=dana, started_at=time.time() - 86400 * 30
        )
        history.call_connected(db, earlier)
        history.finish_call(db, earlier)
        history.set_disposition(db, earlier, "follow_up")
        history.set_notes(db, earlier, "Evaluating MDM for 40 field techs; call after the pilot.")
        store.add_flag(
            db,
            earlier,
            Flag(
                "vague_language",
                "rep",
                3.0,
                5.0,
                "you reached out to us",
                "Say what they did.",
                "reached out",
                "Vague",
            ),
        )
    list_id = calllists.import_preview(db, calllists.parse_table(LIST), "week 47").list_id
    with (
        StoreWriter(tmp_path / "cc.db") as writer,
        engine() as (client, _log),
        sipp("-sn", "uas", "-rtp_echo") as peer,
    ):
        q = DialerQueue(
            writer,
            client,
            list_id,
            window=CallingWindow.parse("0-24"),
            uri_for=f"sip:{{number}}@127.0.0.1:{peer['port']}",
            earlier_flags=flags_on_calls,
        ).start()
        from softphone.ui.theme import stylesheet

        view = QueueView(q)
        view.setStyleSheet(stylesheet())
        qtbot.addWidget(view)
        view.resize(880, 620)
        view.show()
        qtbot.waitUntil(lambda: view.name.text() == "Dana Smith", timeout=3000)
        assert "downloaded our white paper on mobile device management" in view.opener.text()
        assert "Evaluating MDM" in view.history.text() and "vague language" in view.history.text()
        _shot(view, "queue-card", tmp_path)
        qtbot.keyClick(view, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: view.state.text() == "On the call", timeout=5000)
        _shot(view, "queue-connected", tmp_path)
        qtbot.keyClick(view, Qt.Key.Key_M)
        qtbot.waitUntil(lambda: view.name.text() == "Lee Chan", timeout=5000)
        qtbot.waitUntil(lambda: view.counter_labels["meetings"][0].text() == "1", timeout=3000)
        assert view.counter_labels["dials"][0].text() == "1"
        assert view.counter_labels["connects"][1].text() == "1"  # today
        _shot(view, "queue-next", tmp_path)
        view.timer.stop()
        q.stop()
        rc, err = sipp_result(peer, 10)
        assert rc == 0, err
    outcome = db.execute(
        "SELECT outcome FROM call_list_entries WHERE name = 'Dana Smith'"
    ).fetchone()[0]
    assert outcome == "meeting_booked"
    db.close()


def test_list_import_dialog_previews_mapping_and_rejects(qtbot, tmp_path) -> None:
    from calling.ui.list_import import ListImportDialog
    from softphone.ui.theme import stylesheet
    from tests.test_sessions_lists import CRM_EXPORT

    db = open_database(tmp_path / "cc.db")
    dialog = ListImportDialog(lambda p, name: calllists.import_preview(db, p, name))
    dialog.setStyleSheet(stylesheet())
    qtbot.addWidget(dialog)
    dialog.resize(820, 560)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Name,Phone\nJosé,212 555 0199\n".encode("cp1252"))
    dialog.load(latin)
    assert "not UTF-8" in dialog.summary.text() and not dialog.import_button.isEnabled()
    src = tmp_path / "week47.csv"
    src.write_text(CRM_EXPORT)
    dialog.load(src)
    assert dialog.summary.text() == "3 contacts ready to import, 3 rows rejected."
    assert "phone ← Phone Number, Mobile" in dialog.mapping.text()
    assert dialog.table.item(1, 3).text() == "+14155550199"
    rejected = [dialog.rejected.item(i).text() for i in range(dialog.rejected.count())]
    assert rejected[0] == "Line 4: no phone number"
    dialog.show()
    _shot(dialog, "list-import", tmp_path)
    dialog.import_button.click()
    assert dialog.result_value.imported == 3
    assert calllists.find_list(db, "week47")["id"] == dialog.result_value.list_id
    db.close()
