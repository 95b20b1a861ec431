"""The review screen's left side: the call library as a list.

Search across transcripts and notes (FTS5), filters by contact, flag kind and period, the
matching calls (or matching lines, for a search), and sending the listed calls to the team
lead as one bundle. Choosing a row emits `callChosen(call_id, seconds or None)`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coach.library import bundle, queries
from coach.library.export import clock
from coach.types import FLAG_KINDS
from coach.ui.dates import date_edit
from coach.ui.library_access import LibraryAccess

ROLE = Qt.ItemDataRole.UserRole


def panel(title: str) -> tuple[QFrame, QVBoxLayout]:
    """A white rounded panel with a small caps title (the house look)."""
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


class CallList(QWidget):
    listLoaded = Signal(int)  # how many rows
    callChosen = Signal(int, object)  # call id, seconds into the call (a search hit) or None
    bundleExported = Signal(str)

    def __init__(self, access: LibraryAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.rows: list[dict] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self._build())
        self.refresh()

    def _build(self) -> QWidget:
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
        self.since_edit = date_edit(QDate.currentDate().addMonths(-1))
        self.until_edit = date_edit(QDate.currentDate())
        for w in (self.since_edit, self.until_edit):
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
        self.list_hint.setWordWrap(True)
        lay.addWidget(self.list_hint)
        self.bundle_button = QPushButton("Send these calls to my lead…")
        self.bundle_button.setToolTip("Export the listed calls as one bundle file")
        self.bundle_button.clicked.connect(self._ask_bundle)
        lay.addWidget(self.bundle_button)
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
            calls = self.access.services.calls_table  # the history searches its notes
            self.access.read(
                lambda db: queries.search(db, text, calls=calls, limit=200, **filters),
                lambda rows: self._show_list(rows, "Nothing found." if not rows else ""),
            )
        else:
            self.access.read(
                lambda db: queries.find_calls(db, limit=300, **filters),
                lambda rows: self._show_list(rows, self._empty_hint(filters) if not rows else ""),
            )

    @staticmethod
    def _empty_hint(filters: dict) -> str:
        if any(v is not None for v in filters.values()):
            return "No calls match these filters: clear the contact or flag, or widen the dates."
        return ("No calls yet. Calls you make on the Phone page, or while working a list on "
                "Calling, appear here with their transcript, flags and recording.")  # fmt: skip

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
        self.listLoaded.emit(len(rows))

    def _on_result(self, item: QListWidgetItem) -> None:
        r = item.data(ROLE)
        self.callChosen.emit(r.get("call_id", r.get("id")), r.get("start_s"))

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
        self.list_hint.setText(sentence)
