"""The coaching session tab: sessions for the chosen rep, flagged moments of the period
filtered by kind, the playlist (played in order, reordered, ticked when discussed), the
selected moment's timestamped comments, and the session's PDF export. A moment can be marked
"not a problem" or "should have been flagged as…" another kind and the coach retrained
(`coach.ui.teach`).

The rep and period come from the coaching screen (`rep()` and `period()` callables); reads
go through the io worker and writes through the StoreWriter (`LibraryAccess`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from coach.library import export, sessions
from coach.library.export import clock
from coach.types import FLAG_KINDS
from coach.ui.call_list import kind_title, panel, when
from coach.ui.library_access import LibraryAccess
from coach.ui.playback import MomentPlayer
from coach.ui.teach import TeachBar, teach_menu

ROLE = Qt.ItemDataRole.UserRole
LEAD_IN, TAIL = 2.0, 2.0  # seconds of context played around each moment


class SessionPanel(QWidget):
    sessionsLoaded = Signal(int)
    momentsLoaded = Signal(int)
    playlistLoaded = Signal(int)
    exported = Signal(str)
    problem = Signal(str)

    def __init__(
        self,
        access: LibraryAccess,
        rep: Callable[[], str],
        period: Callable[[], tuple[float, float]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.access, self.rep, self.period = access, rep, period
        self.player = MomentPlayer(self, device=self.access.output_device)
        self.session_id: int | None = None
        self.items: list[dict] = []
        self._playing_index: int | None = None
        self._play_all = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self._build())
        self.player.positionChanged.connect(self._on_position)
        self.player.stopped.connect(self._on_stopped)
        self.player.failed.connect(self.problem)

    def _build(self) -> QWidget:
        split = QSplitter(Qt.Orientation.Horizontal)
        frame, lay = panel("Sessions")
        self.session_list = QListWidget()
        self.session_list.itemClicked.connect(lambda it: self.open_session(it.data(ROLE)))
        self.new_button = QPushButton("New session for this period")
        self.new_button.setProperty("role", "primary")
        self.new_button.clicked.connect(lambda: self.new_session())
        self.sessions_hint = QLabel("")  # what to do when there is no session yet
        self.sessions_hint.setProperty("role", "hint")
        self.sessions_hint.setWordWrap(True)
        lay.addWidget(self.session_list, 1)
        lay.addWidget(self.sessions_hint)
        lay.addWidget(self.new_button)
        split.addWidget(frame)

        frame, lay = panel("Flagged moments")
        self.kind_combo = QComboBox()
        self.kind_combo.addItem("Every kind", "")
        for k in FLAG_KINDS:
            self.kind_combo.addItem(kind_title(k), k)
        self.kind_combo.currentIndexChanged.connect(self.load_moments)
        self.moment_list = QListWidget()
        self.moment_list.setWordWrap(True)
        self.moment_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.add_button = QPushButton("Add to playlist →")
        self.add_button.clicked.connect(lambda: self.add_moments())
        self.moment_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.moment_list.customContextMenuRequested.connect(self._moment_menu)
        self.teach = TeachBar(self.access, self.current_moment)
        self.teach.problem.connect(self.problem)
        lay.addWidget(self.kind_combo)
        lay.addWidget(self.moment_list, 1)
        lay.addWidget(self.add_button)
        lay.addWidget(self.teach)
        split.addWidget(frame)

        frame, lay = panel("Playlist")
        self.playlist = QListWidget()
        self.playlist.setWordWrap(True)
        self.playlist.itemChanged.connect(self._on_item_changed)
        self.playlist.currentRowChanged.connect(self._show_comments)
        row = QHBoxLayout()
        self.play_button = QPushButton("Play all")
        self.play_button.setProperty("role", "primary")
        self.play_button.clicked.connect(self._toggle_play_all)
        self.up_button = QPushButton("↑")
        self.down_button = QPushButton("↓")
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.position_label = QLabel("")
        row.addWidget(self.play_button)
        row.addWidget(self.up_button)
        row.addWidget(self.down_button)
        row.addStretch(1)
        row.addWidget(self.position_label)
        self.comment_list = QListWidget()
        self.comment_list.setWordWrap(True)
        self.comment_field = QLineEdit()
        self.comment_field.setPlaceholderText("Comment at the moment being played…")
        self.comment_field.returnPressed.connect(lambda: self.add_comment())
        self.pdf_button = QPushButton("Export session PDF…")
        self.pdf_button.clicked.connect(self._ask_pdf)
        lay.addWidget(self.playlist, 2)
        lay.addLayout(row)
        lay.addWidget(self.comment_list, 1)
        lay.addWidget(self.comment_field)
        lay.addWidget(self.pdf_button)
        split.addWidget(frame)
        split.setSizes([220, 420, 520])
        return split

    # -- sessions ------------------------------------------------------------------------------
    def load_sessions(self) -> None:
        rep = self.rep()

        def show(rows: list[dict]) -> None:
            self.session_list.clear()
            for s in rows:
                start = dt.date.fromtimestamp(s["period_start"])
                end = dt.date.fromtimestamp(s["period_end"] - 1)
                item = QListWidgetItem(f"{s['title'] or 'Session'}\n{start} – {end}")
                item.setData(ROLE, s["id"])
                self.session_list.addItem(item)
            self.sessions_hint.setText("" if rows else (
                "No coaching sessions yet. Pick a rep and a period above, then press New "
                "session for this period to collect their flagged moments."
                if not rep else f"No sessions for {rep} yet: press New session for this period."
            ))  # fmt: skip
            self.sessionsLoaded.emit(len(rows))

        self.access.read(lambda db: sessions.list_sessions(db, rep), show)

    def new_session(self, title: str = "", lead: str = "") -> None:
        rep = self.rep()
        if not rep:
            self.problem.emit("Pick one rep above: a coaching session is for one rep.")
            return
        since, until = self.period()
        title = title or f"Coaching {rep}, {dt.date.fromtimestamp(since):%d %b}"
        self.access.write(
            sessions.create_session, rep, since, until, title=title, lead=lead,
            on_done=self._created, on_error=self.problem.emit,
        )  # fmt: skip

    def _created(self, session_id: int) -> None:
        self.load_sessions()
        self.open_session(session_id)

    def open_session(self, session_id: int) -> None:
        self.session_id = session_id
        self.load_moments()
        self.load_playlist()

    def load_moments(self) -> None:
        sid, kind = self.session_id, self.kind_combo.currentData()
        if sid is None:
            return

        def show(rows: list[dict]) -> None:
            self.moment_list.clear()
            for m in rows:
                item = QListWidgetItem(
                    f"{kind_title(m['kind'])} · {m['contact_name'] or '—'} · "
                    f"{when(m['started_at'])} at {clock(m['start_s'])}\n“{m['text']}”"
                )
                item.setData(ROLE, m)
                self.moment_list.addItem(item)
            self.momentsLoaded.emit(len(rows))

        self.access.read(
            lambda db: sessions.candidate_moments(db, sid, [kind] if kind else None), show
        )

    # -- teaching the coach ----------------------------------------------------------------------
    def moment_line(self, item: QListWidgetItem | None) -> dict | None:
        m = item.data(ROLE) if item is not None else None
        if not m or m["speaker"] != "rep":
            return None
        return {"call_id": m["call_id"], "start": m["start_s"], "text": m["text"],
                "flagged": [m["kind"]]}  # fmt: skip

    def current_moment(self) -> dict | None:
        return self.moment_line(self.moment_list.currentItem())

    def _moment_menu(self, pos: Any) -> None:
        line = self.moment_line(self.moment_list.itemAt(pos))
        if line is None:
            return
        menu = QMenu(self)
        teach_menu(menu, line, self.teach.teach)
        menu.exec(self.moment_list.viewport().mapToGlobal(pos))

    def add_moments(self, flag_ids: list[int] | None = None) -> None:
        """Add the selected moments (or these flags) to the playlist, in order."""
        sid = self.session_id
        if sid is None:
            return
        if flag_ids is None:
            flag_ids = [it.data(ROLE)["flag_id"] for it in self.moment_list.selectedItems()]
        if not flag_ids:
            return

        def add_all(db: Any, ids: list[int]) -> list[int]:
            return [sessions.add_item(db, sid, flag_id=f) for f in ids]

        self.access.write(add_all, flag_ids, on_done=lambda _: self.load_playlist(),
                          on_error=self.problem.emit)  # fmt: skip

    def load_playlist(self) -> None:
        sid = self.session_id
        if sid is None:
            return

        def show(items: list[dict]) -> None:
            row = max(0, self.playlist.currentRow())
            self.items = items
            self.playlist.blockSignals(True)
            self.playlist.clear()
            for n, it in enumerate(items, start=1):
                item = QListWidgetItem(
                    f"{n}. {it['label'] or kind_title(it['kind'] or 'moment')} · "
                    f"{it['contact_name'] or '—'} at {clock(it['start_s'])}"
                    + (f" · {len(it['comments'])} comments" if it["comments"] else "")
                )
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if it["discussed"] else Qt.CheckState.Unchecked
                )
                item.setToolTip("Tick when discussed")
                item.setData(ROLE, it)
                self.playlist.addItem(item)
            self.playlist.blockSignals(False)
            if items:
                self.playlist.setCurrentRow(min(row, len(items) - 1))
            self._show_comments(self.playlist.currentRow())
            self.playlistLoaded.emit(len(items))

        self.access.read(lambda db: sessions.playlist(db, sid), show)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        it = item.data(ROLE)
        self.mark_discussed(it["id"], item.checkState() == Qt.CheckState.Checked)

    def mark_discussed(self, item_id: int, discussed: bool = True) -> None:
        self.access.write(sessions.mark_discussed, item_id, discussed,
                          on_done=lambda _: self.load_playlist())  # fmt: skip

    def _move(self, delta: int) -> None:
        row = self.playlist.currentRow()
        if row < 0 or not (0 <= row + delta < len(self.items)):
            return
        self.playlist.setCurrentRow(row + delta)
        self.access.write(sessions.move_item, self.items[row]["id"], row + delta + 1,
                          on_done=lambda _: self.load_playlist())  # fmt: skip

    def _show_comments(self, row: int) -> None:
        self.comment_list.clear()
        if not (0 <= row < len(self.items)):
            return
        for c in self.items[row]["comments"]:
            who = f"{c['author']}: " if c["author"] else ""
            self.comment_list.addItem(f"[{clock(c['at_s'])}] {who}{c['text']}")

    def add_comment(self, text: str | None = None) -> None:
        """Comment on the current moment, stamped at the time being played (or its start)."""
        text = (text if text is not None else self.comment_field.text()).strip()
        row = self.playlist.currentRow()
        if not text or not (0 <= row < len(self.items)):
            return
        item = self.items[row]
        at = self.player.position if self._playing_index == row else item["start_s"]
        self.comment_field.clear()
        self.access.write(sessions.comment_on_item, item["id"], text, at_s=at,
                          author=self.access.rep_name,
                          on_done=lambda _: self.load_playlist(),
                          on_error=self.problem.emit)  # fmt: skip

    # -- playing the playlist ------------------------------------------------------------------
    def play_item(self, row: int) -> bool:
        if not (0 <= row < len(self.items)):
            return False
        it = self.items[row]
        self._playing_index = row
        self.playlist.setCurrentRow(row)
        ok = self.player.play(
            it["recording_path"], max(0.0, it["start_s"] - LEAD_IN), it["end_s"] + TAIL
        )
        if not ok:
            self._playing_index = None
        return ok

    def play_all(self) -> None:
        self._play_all = True
        self.play_button.setText("Stop")
        if not self.play_item(0):
            self._finish_play_all()

    def _toggle_play_all(self) -> None:
        if self._play_all or self.player.is_playing():
            self._finish_play_all()
            self.player.stop()
        else:
            self.play_all()

    def _on_stopped(self) -> None:
        if self._play_all and self._playing_index is not None:
            nxt = self._playing_index + 1
            if nxt < len(self.items) and self.play_item(nxt):
                return
        self._finish_play_all()

    def _finish_play_all(self) -> None:
        self._play_all = False
        self.play_button.setText("Play all")

    def _on_position(self, seconds: float) -> None:
        self.position_label.setText(clock(seconds))

    def export_pdf(self, path: str) -> None:
        sid = self.session_id
        if sid is None:
            self.problem.emit("Open or create a session first.")
            return
        self.access.read(lambda db: str(export.session_pdf(db, sid, path)), self._exported)

    def _exported(self, path: str) -> None:
        self.exported.emit(path)

    def _ask_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export session", "coaching.pdf", "PDF (*.pdf)")
        if path:
            self.export_pdf(path)
