"""The review screen: a rep's calls after the fact.

Left, the library: search across transcripts and notes, filters (contact, flag kind, period)
and the matching calls or lines. Right, one call: the timeline of both speakers with flagged
moments marked, the transcript (flagged lines highlighted), the flags, the scorecard against
the rule pack's targets, and the notes and disposition. Clicking a flag, a line or the
timeline plays the recording from that moment. All reads and writes go through
`LibraryAccess` (io worker / StoreWriter), never on the GUI thread.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from coach.library import bundle, queries
from coach.library.export import clock
from coach.library.store import DISPOSITIONS, set_call_review
from coach.types import FLAG_KINDS
from coach.ui.library_access import LibraryAccess
from coach.ui.playback import MomentPlayer
from coach.ui.scorecard import Scorecard
from coach.ui.timeline import CallTimeline

ROLE = Qt.ItemDataRole.UserRole


def panel(title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("Panel")
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(12, 10, 12, 12)
    head = QLabel(title.upper())
    head.setObjectName("PanelTitle")
    lay.addWidget(head)
    return frame, lay


def when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%a %d %b %H:%M") if ts else ""


def kind_title(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


class ReviewScreen(QWidget):
    listLoaded = Signal(int)  # how many rows
    callLoaded = Signal(int)  # call id
    saved = Signal(int)
    bundleExported = Signal(str)

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Canvas")
        self.access = LibraryAccess(services)
        self.player = MomentPlayer(self)
        self.data: dict | None = None
        self.rows: list[dict] = []
        self._pending_seek: float | None = None

        root = QHBoxLayout(self)
        root.setContentsMargins(12, 12, 12, 12)
        split = QSplitter(Qt.Orientation.Horizontal)
        root.addWidget(split)
        split.addWidget(self._build_library())
        split.addWidget(self._build_call())
        split.setSizes([340, 900])

        self.player.positionChanged.connect(self._on_position)
        self.player.stopped.connect(lambda: self.play_button.setText("Play"))
        self.player.failed.connect(self._show_problem)
        self.refresh()

    # -- building ------------------------------------------------------------------------------
    def _build_library(self) -> QWidget:
        frame, lay = panel("Calls")
        self.search_field = QLineEdit()
        self.search_field.setPlaceholderText("Search transcripts and notes…")
        self.search_field.setClearButtonEnabled(True)
        self.search_field.returnPressed.connect(self.refresh)
        lay.addWidget(self.search_field)
        row = QHBoxLayout()
        self.contact_field = QLineEdit()
        self.contact_field.setPlaceholderText("Contact")
        self.contact_field.returnPressed.connect(self.refresh)
        self.kind_combo = QComboBox()
        self.kind_combo.addItem("Any flag", "")
        for k in FLAG_KINDS:
            self.kind_combo.addItem(kind_title(k), k)
        self.kind_combo.currentIndexChanged.connect(self.refresh)
        row.addWidget(self.contact_field, 1)
        row.addWidget(self.kind_combo, 1)
        lay.addLayout(row)
        row = QHBoxLayout()
        self.period_box = QCheckBox("From")
        self.since_edit = QDateEdit(QDate.currentDate().addMonths(-1))
        self.until_edit = QDateEdit(QDate.currentDate())
        for w in (self.since_edit, self.until_edit):
            w.setCalendarPopup(True)
            w.dateChanged.connect(self.refresh)
        self.period_box.toggled.connect(self.refresh)
        row.addWidget(self.period_box)
        row.addWidget(self.since_edit)
        row.addWidget(QLabel("to"))
        row.addWidget(self.until_edit)
        lay.addLayout(row)
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.results.itemClicked.connect(self._on_result)
        lay.addWidget(self.results, 1)
        self.list_hint = QLabel("")
        self.list_hint.setProperty("role", "hint")
        lay.addWidget(self.list_hint)
        self.bundle_button = QPushButton("Send these calls to my lead…")
        self.bundle_button.setToolTip("Export the listed calls as one bundle file")
        self.bundle_button.clicked.connect(self._ask_bundle)
        lay.addWidget(self.bundle_button)
        return frame

    def _build_call(self) -> QWidget:
        frame, lay = panel("Call review")
        head = QHBoxLayout()
        self.title = QLabel("Pick a call on the left")
        self.title.setObjectName("CallName")
        self.subtitle = QLabel("")
        self.subtitle.setProperty("role", "hint")
        self.play_button = QPushButton("Play")
        self.play_button.setProperty("role", "primary")
        self.play_button.clicked.connect(self._toggle_play)
        self.position_label = QLabel("")
        self.position_label.setObjectName("CallTimer")
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        head.addWidget(self.position_label)
        head.addWidget(self.play_button)
        lay.addLayout(head)
        self.timeline = CallTimeline()
        self.timeline.seekRequested.connect(self.play_from)
        self.timeline.flagClicked.connect(self.select_flag)
        lay.addWidget(self.timeline)

        body = QSplitter(Qt.Orientation.Horizontal)
        self.transcript = QListWidget()
        self.transcript.setWordWrap(True)
        self.transcript.itemClicked.connect(lambda it: self.play_from(it.data(ROLE)["start"]))
        body.addWidget(self.transcript)
        side = QWidget()
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(0, 0, 0, 0)
        flags_title = QLabel("FLAGGED MOMENTS")
        flags_title.setObjectName("PanelTitle")
        side_lay.addWidget(flags_title)
        self.flag_list = QListWidget()
        self.flag_list.setWordWrap(True)
        self.flag_list.itemClicked.connect(lambda it: self.select_flag(it.data(ROLE)["id"]))
        side_lay.addWidget(self.flag_list, 2)
        self.scorecard = Scorecard()
        side_lay.addWidget(self.scorecard)
        grid = QGridLayout()
        self.disposition = QComboBox()
        self.disposition.addItem("No disposition", "")
        for d in DISPOSITIONS:
            self.disposition.addItem(kind_title(d), d)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Notes for this call…")
        self.notes.setFixedHeight(70)
        self.save_button = QPushButton("Save notes")
        self.save_button.clicked.connect(self.save_notes)
        grid.addWidget(QLabel("Disposition"), 0, 0)
        grid.addWidget(self.disposition, 0, 1)
        grid.addWidget(self.notes, 1, 0, 1, 2)
        grid.addWidget(self.save_button, 2, 1, Qt.AlignmentFlag.AlignRight)
        side_lay.addLayout(grid)
        body.addWidget(side)
        body.setSizes([560, 340])
        lay.addWidget(body, 1)
        self.problem = QLabel("")
        self.problem.setProperty("role", "error")
        lay.addWidget(self.problem)
        return frame

    # -- the list ------------------------------------------------------------------------------
    def filters(self) -> dict:
        f: dict[str, Any] = {
            "contact": self.contact_field.text().strip() or None,
            "flag_kind": self.kind_combo.currentData() or None,
        }
        if self.period_box.isChecked():
            since = self.since_edit.date().toPython()
            until = self.until_edit.date().toPython() + dt.timedelta(days=1)
            f["since"] = dt.datetime.combine(since, dt.time()).timestamp()
            f["until"] = dt.datetime.combine(until, dt.time()).timestamp()
        return f

    def refresh(self) -> None:
        """Reload the left list: search hits when there is a query, else the calls."""
        text, filters = self.search_field.text().strip(), self.filters()
        if text:
            try:
                queries.fts_query(text)
            except ValueError as exc:
                self._show_list([], str(exc))
                return
            self.access.read(
                lambda db: queries.search(db, text, limit=200, **filters),
                lambda rows: self._show_list(rows, "Nothing found." if not rows else ""),
            )
        else:
            self.access.read(
                lambda db: queries.find_calls(db, limit=300, **filters),
                lambda rows: self._show_list(rows, "No calls yet." if not rows else ""),
            )

    def _show_list(self, rows: list[dict], hint: str) -> None:
        self.rows = rows
        self.results.clear()
        for r in rows:
            who = r.get("contact_name") or r.get("remote_number") or "Unknown"
            if "snippet" in r:
                where = (
                    f"{clock(r['start_s'])} {'You' if r['speaker'] == 'rep' else 'Prospect'}"
                    if r["source"] == "utterance"
                    else "Notes"
                )
                text = f"{who} · {when(r['started_at'])}\n{where}: {r['snippet']}"
            else:
                status = "" if r["status"] in ("completed", "imported") else f" · {r['status']}"
                flags = f" · {r['flag_count']} flags" if r["flag_count"] else ""
                text = f"{who}\n{when(r['started_at'])}{status}{flags}"
            item = QListWidgetItem(text)
            item.setData(ROLE, r)
            self.results.addItem(item)
        self.list_hint.setText(hint)
        if self.data is None and rows and "snippet" not in rows[0]:
            self.results.setCurrentRow(0)
            self.open_call(rows[0]["id"])  # the newest call, so the screen is never blank
        self.listLoaded.emit(len(rows))

    def _on_result(self, item: QListWidgetItem) -> None:
        r = item.data(ROLE)
        self.open_call(r.get("call_id", r.get("id")), seek=r.get("start_s"))

    # -- one call ------------------------------------------------------------------------------
    def open_call(self, call_id: int, seek: float | None = None) -> None:
        self.player.stop()
        self._pending_seek = seek
        self.access.read(lambda db: queries.review(db, call_id), self._show_call)

    def _show_call(self, data: dict | None) -> None:
        if data is None:
            self._show_problem("That call is no longer in the library.")
            return
        self.data = data
        c = data["call"]
        self.title.setText(c["contact_name"] or c["remote_number"] or "Unknown contact")
        status = {"interrupted": " · interrupted (the app stopped during the call)"}.get(
            c["status"], ""
        )
        self.subtitle.setText(
            f"{when(c['started_at'])} · {clock(data['duration'] or 0)} · rep {c['rep'] or '—'}"
            f"{status}"
        )
        self.timeline.set_call(
            data["duration"], data["utterances"], data["flags"], data["positives"]
        )
        flagged = [(f["start"], f["end"]) for f in data["flags"]]
        self.transcript.clear()
        for u in data["utterances"]:
            who = "You" if u["speaker"] == "rep" else "Prospect"
            item = QListWidgetItem(f"{clock(u['start'])}  {who}: {u['text']}")
            item.setData(ROLE, u)
            if u["speaker"] == "rep" and any(a < u["end"] and u["start"] < b for a, b in flagged):
                item.setBackground(QColor("#fffbeb"))
            self.transcript.addItem(item)
        self.flag_list.clear()
        for f in data["flags"]:
            item = QListWidgetItem(
                f"{clock(f['start'])}  {f['label'] or kind_title(f['kind'])}\n"
                f"“{f['text']}”\n→ {f['suggestion']}"
            )
            item.setData(ROLE, f)
            self.flag_list.addItem(item)
        self.scorecard.set_metrics(data["metrics"])
        self.notes.setPlainText(c["notes"] or "")
        idx = self.disposition.findData(c["disposition"] or "")
        self.disposition.setCurrentIndex(max(0, idx))
        self.play_button.setEnabled(bool(c["recording_path"]))
        self.play_button.setToolTip("" if c["recording_path"] else "No recording for this call")
        self.problem.setText("")
        if self._pending_seek is not None:
            self.select_time(self._pending_seek)
            self._pending_seek = None
        self.callLoaded.emit(c["id"])

    def select_time(self, seconds: float) -> None:
        """Scroll the transcript to the line at `seconds` and move the playhead there."""
        for i in range(self.transcript.count()):
            u = self.transcript.item(i).data(ROLE)
            if u["end"] >= seconds:
                self.transcript.setCurrentRow(i)
                self.transcript.scrollToItem(self.transcript.item(i))
                break
        self.timeline.set_playhead(seconds)

    def select_flag(self, flag_id: int) -> None:
        for i in range(self.flag_list.count()):
            f = self.flag_list.item(i).data(ROLE)
            if f["id"] == flag_id:
                self.flag_list.setCurrentRow(i)
                self.play_from(max(0.0, f["start"] - 1.0))
                return

    def play_from(self, seconds: float) -> None:
        """Play the call's recording from `seconds` (a line, a flag, a timeline click)."""
        self.select_time(seconds)
        if self.data is None:
            return
        if self.player.play(self.data["call"]["recording_path"], seconds):
            self.play_button.setText("Stop")

    def _toggle_play(self) -> None:
        if self.player.is_playing():
            self.player.stop()
        else:
            self.play_from(self.timeline.playhead or 0.0)

    def _on_position(self, seconds: float) -> None:
        self.timeline.set_playhead(seconds)
        self.position_label.setText(clock(seconds))

    def save_notes(self) -> None:
        if self.data is None:
            return
        call_id = self.data["call"]["id"]
        notes, disposition = self.notes.toPlainText().strip(), self.disposition.currentData()
        self.access.write(
            set_call_review,
            call_id,
            notes,
            disposition or None,
            on_done=lambda _: self._saved(call_id),
            on_error=self._show_problem,
        )

    def _saved(self, call_id: int) -> None:
        self.problem.setText("")
        self.saved.emit(call_id)
        self.refresh()

    def export_bundle(self, path: str) -> None:
        """Write the calls now listed on the left to one bundle file for the team lead."""
        ids = sorted({r.get("call_id", r.get("id")) for r in self.rows})
        if not ids:
            self._show_problem("There are no calls in the list to export.")
            return
        who = self.access.rep_name

        def done(manifest: dict) -> None:
            self.list_hint.setText(f"Exported {len(manifest['calls'])} calls to {path}.")
            self.bundleExported.emit(path)

        self.access.read(
            lambda db: bundle.export_bundle(db, path, call_ids=ids, exported_by=who), done
        )

    def _ask_bundle(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export calls", "calls.ccbundle", "Call Coach bundle (*.ccbundle)"
        )
        if path:
            self.export_bundle(path)

    def _show_problem(self, sentence: str) -> None:
        self.problem.setText(sentence)
