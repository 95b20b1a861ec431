"""The review screen: a rep's calls after the fact.

Left, the library: search across transcripts and notes, filters (contact, flag kind, period)
and the matching calls or lines. Right, one call: the timeline of both speakers with flagged
moments marked, the transcript (flagged lines highlighted), the flags, the scorecard against
the rule pack's targets, and the notes and disposition. Clicking a flag, a line or the
timeline plays the recording from that moment. A rep line can be marked "should have been
flagged as…" or "not a problem" (context menu, or the teach bar under the transcript) and the
coach retrained (`coach.ui.teach`). All reads and writes go through `LibraryAccess` (io worker /
StoreWriter), never on the GUI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from coach.library import queries
from coach.library.export import clock
from coach.library.store import DISPOSITIONS
from coach.ui.call_list import CallList, kind_title, panel, when
from coach.ui.cards import sounds_like
from coach.ui.library_access import LibraryAccess
from coach.ui.playback import MomentPlayer
from coach.ui.scorecard import Scorecard
from coach.ui.teach import TeachBar, teach_menu
from coach.ui.timeline import CallTimeline

ROLE = Qt.ItemDataRole.UserRole


class ReviewScreen(QWidget):
    callLoaded = Signal(int)  # call id
    saved = Signal(int)

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Canvas")
        self.access = LibraryAccess(services)
        self.player = MomentPlayer(self, device=self.access.output_device)
        self.data: dict | None = None
        self._pending_seek: float | None = None

        root = QHBoxLayout(self)
        root.setContentsMargins(12, 12, 12, 12)
        split = QSplitter(Qt.Orientation.Horizontal)
        root.addWidget(split)
        self.calls = CallList(self.access)
        self.calls.callChosen.connect(self.open_call)
        self.calls.listLoaded.connect(self._list_loaded)
        split.addWidget(self.calls)
        split.addWidget(self._build_call())
        split.setSizes([340, 900])

        self.player.positionChanged.connect(self._on_position)
        self.player.stopped.connect(lambda: self.play_button.setText("Play"))
        self.player.failed.connect(self._show_problem)

    # -- building ------------------------------------------------------------------------------
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
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        self.transcript = QListWidget()
        self.transcript.setWordWrap(True)
        self.transcript.itemClicked.connect(lambda it: self.play_from(it.data(ROLE)["start"]))
        self.transcript.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.transcript.customContextMenuRequested.connect(self._transcript_menu)
        left_lay.addWidget(self.transcript, 1)
        self.teach = TeachBar(self.access, self.selected_line)
        self.teach.taught.connect(lambda _: self._refresh_taught())
        left_lay.addWidget(self.teach)
        body.addWidget(left)
        side = QWidget()
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(0, 0, 0, 0)
        flags_title = QLabel("FLAGGED MOMENTS AND COMMENTS")
        flags_title.setObjectName("PanelTitle")
        side_lay.addWidget(flags_title)
        self.flag_list = QListWidget()
        self.flag_list.setWordWrap(True)
        self.flag_list.setResizeMode(QListWidget.ResizeMode.Adjust)  # wrap, never scroll sideways
        self.flag_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.flag_list.itemClicked.connect(self._on_flag_item)
        self.flag_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.flag_list.customContextMenuRequested.connect(self._flag_menu)
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

    def _list_loaded(self, _n: int) -> None:
        rows = self.calls.rows
        if self.data is None and not rows:  # nothing to review yet: say what fills it
            self.title.setText("No call to review yet")
            self.subtitle.setText("Make a call on the Phone page; when it ends, it opens here "
                                  "with what the coach flagged.")  # fmt: skip
        if self.data is None and rows and "snippet" not in rows[0]:
            self.calls.results.setCurrentRow(0)
            self.open_call(rows[0]["id"])  # the newest call, so the screen is never blank

    # -- one call ------------------------------------------------------------------------------
    def open_call(self, call_id: int, seek: float | None = None) -> None:
        self.player.stop()
        self._pending_seek = seek
        self.access.read(lambda db: queries.review(db, call_id), self._show_call)

    def open_call_uuid(self, call_uuid: str, seek: float | None = None) -> None:
        """Open a call known by its UUID (the call controller's id for the call just ended)."""
        self.player.stop()
        self._pending_seek = seek

        call_id_for_uuid = self.access.services.calls_table.call_id_for_uuid

        def load(db: Any) -> dict | None:
            call_id = call_id_for_uuid(db, call_uuid)
            return queries.review(db, call_id) if call_id is not None else None

        self.access.read(load, self._show_call)

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
        self._fill_transcript(data)
        self.flag_list.clear()
        for f in data["flags"]:
            near = sounds_like(f)
            item = QListWidgetItem(
                f"{clock(f['start'])}  {f['label'] or kind_title(f['kind'])}\n"
                f"“{f['text']}”\n→ {f['suggestion']}" + (f"\n{near}" if near else "")
            )
            item.setData(ROLE, f)
            self.flag_list.addItem(item)
        for cm in data["comments"]:  # the team lead's timestamped comments, after the flags
            who = f" from {cm['author']}" if cm["author"] else ""
            item = QListWidgetItem(f"{clock(cm['at'])}  Comment{who}\n{cm['text']}")
            item.setData(ROLE, {"id": None, "start": cm["at"], "comment": True})
            item.setForeground(QColor("#0b4f8a"))
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

    def _fill_transcript(self, data: dict) -> None:
        """Lines of both speakers; the rep's flagged lines amber, probing questions green."""
        flagged = [(f["start"], f["end"]) for f in data["flags"]]
        good = [(m["start"], m["end"]) for m in data["positives"]]

        def hits(u: dict, spans: list) -> bool:
            return any(a < u["end"] and u["start"] < b for a, b in spans)

        self.transcript.clear()
        for u in data["utterances"]:
            who = "You" if u["speaker"] == "rep" else "Prospect"
            item = QListWidgetItem(f"{clock(u['start'])}  {who}: {u['text']}")
            item.setData(ROLE, u)
            if u["speaker"] == "rep" and hits(u, flagged):
                item.setBackground(QColor("#fffbeb"))
            elif u["speaker"] == "rep" and hits(u, good):
                item.setBackground(QColor("#f0fdf4"))
                item.setToolTip("A good, open question")
            self.transcript.addItem(item)

    # -- teaching the coach ----------------------------------------------------------------------
    def line_at(self, row: int) -> dict | None:
        """The rep line at transcript `row` as the teach bar wants it, or None."""
        item = self.transcript.item(row) if row >= 0 else None
        if item is None or self.data is None:
            return None
        u = item.data(ROLE)
        if u["speaker"] != "rep":
            return None
        flagged = [
            f["kind"] for f in self.data["flags"]
            if f["speaker"] == "rep" and f["start"] < u["end"] and u["start"] < f["end"]
        ]  # fmt: skip
        return {"call_id": self.data["call"]["id"], "start": u["start"], "text": u["text"],
                "flagged": flagged}  # fmt: skip

    def selected_line(self) -> dict | None:
        return self.line_at(self.transcript.currentRow())

    def _transcript_menu(self, pos: Any) -> None:
        item = self.transcript.itemAt(pos)
        line = self.line_at(self.transcript.row(item)) if item is not None else None
        if line is None:
            return
        self.transcript.setCurrentItem(item)
        menu = QMenu(self)
        teach_menu(menu, line, self.teach.teach)
        menu.exec(self.transcript.viewport().mapToGlobal(pos))

    def _flag_menu(self, pos: Any) -> None:
        item = self.flag_list.itemAt(pos)
        f = item.data(ROLE) if item is not None else None
        if not f or f.get("comment") or f["speaker"] != "rep" or self.data is None:
            return
        line = {"call_id": self.data["call"]["id"], "start": f["start"], "text": f["text"],
                "flagged": [f["kind"]]}  # fmt: skip
        menu = QMenu(self)
        teach_menu(menu, line, self.teach.teach)
        menu.exec(self.flag_list.viewport().mapToGlobal(pos))

    def _refresh_taught(self) -> None:
        self.problem.setText("")

    def select_time(self, seconds: float) -> None:
        """Scroll the transcript to the line at `seconds` and move the playhead there."""
        for i in range(self.transcript.count()):
            u = self.transcript.item(i).data(ROLE)
            if u["end"] >= seconds:
                self.transcript.setCurrentRow(i)
                self.transcript.scrollToItem(self.transcript.item(i))
                break
        self.timeline.set_playhead(seconds)

    def _on_flag_item(self, item: QListWidgetItem) -> None:
        d = item.data(ROLE)
        if d.get("comment"):
            self.play_from(d["start"])
        else:
            self.select_flag(d["id"])

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
        self.access.write(  # the history's columns: the app's services know who writes them
            self.access.services.save_call_review,
            call_id,
            notes,
            disposition or None,
            on_done=lambda _: self._saved(call_id),
            on_error=self._show_problem,
        )

    def _saved(self, call_id: int) -> None:
        self.problem.setText("")
        self.saved.emit(call_id)
        self.calls.refresh()

    def _show_problem(self, sentence: str) -> None:
        self.problem.setText(sentence)
