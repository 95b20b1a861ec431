"""The coaching screen: a team lead picks a rep and a period, sees the dashboard, and runs a
coaching session — filter flagged moments by kind, add them to the playlist, play them in
order, write timestamped comments, mark each as discussed, export the session to PDF and the
metrics to CSV for the rep.

Reads go through the io worker, writes through the StoreWriter (`LibraryAccess`); exports
read the library on the io worker too, so the window never waits on SQLite or reportlab.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from coach.library import bundle_import, export, queries
from coach.library.dashboard import default_rep
from coach.ui.dashboard import Dashboard
from coach.ui.dates import date_edit
from coach.ui.library_access import LibraryAccess
from coach.ui.session_panel import SessionPanel

ROLE = Qt.ItemDataRole.UserRole


def _epoch(d: QDate, end: bool = False) -> float:
    day = d.toPython() + (dt.timedelta(days=1) if end else dt.timedelta())
    return dt.datetime.combine(day, dt.time()).timestamp()


class CoachingScreen(QWidget):
    repsLoaded = Signal(int)
    dashboardLoaded = Signal()
    exported = Signal(str)
    imported = Signal(object)  # {"imported": [uuids], "skipped": [uuids]}

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Canvas")
        self.access = LibraryAccess(services)
        self.status_text = ""
        self._reps_shown = False

        root = QVBoxLayout(self)
        root.setContentsMargins(12, 12, 12, 12)
        bar = QHBoxLayout()
        self.rep_combo = QComboBox()
        self.rep_combo.setMinimumWidth(160)
        self.since_edit = date_edit(QDate.currentDate().addDays(-27))
        self.until_edit = date_edit(QDate.currentDate())
        for w in (self.since_edit, self.until_edit):
            w.dateChanged.connect(self._period_changed)
        self.rep_combo.currentIndexChanged.connect(self._period_changed)
        bar.addWidget(QLabel("Rep"))
        bar.addWidget(self.rep_combo)
        bar.addWidget(QLabel("From"))
        bar.addWidget(self.since_edit)
        bar.addWidget(QLabel("to"))
        bar.addWidget(self.until_edit)
        bar.addStretch(1)
        self.csv_button = QPushButton("Export metrics CSV…")
        self.csv_button.clicked.connect(self._ask_csv)
        self.import_button = QPushButton("Import a rep's bundle…")
        self.import_button.clicked.connect(self._ask_bundle)
        bar.addWidget(self.import_button)
        bar.addWidget(self.csv_button)
        root.addLayout(bar)
        self.tabs = QTabWidget()
        self.dashboard = Dashboard()
        self.tabs.addTab(self.dashboard, "Dashboard")
        self.session = SessionPanel(self.access, self.rep, self.period)
        self.session.problem.connect(lambda text: self.problem.setText(text))
        self.session.exported.connect(self._exported)
        self.tabs.addTab(self.session, "Coaching session")
        root.addWidget(self.tabs, 1)
        self.problem = QLabel("")
        self.problem.setProperty("role", "error")
        root.addWidget(self.problem)

        self.load_reps()

    # -- rep and period ------------------------------------------------------------------------
    def period(self) -> tuple[float, float]:
        return _epoch(self.since_edit.date()), _epoch(self.until_edit.date(), end=True)

    def rep(self) -> str:
        """The rep picked; '' for All reps."""
        return self.rep_combo.currentData() or ""

    def set_period(self, since: dt.date, until: dt.date) -> None:
        self.since_edit.setDate(QDate(since.year, since.month, since.day))
        self.until_edit.setDate(QDate(until.year, until.month, until.day))

    def load_reps(self) -> None:
        def show(reps: list[str]) -> None:
            # the first time, the rep's own calls or every rep's (see default_rep); after
            # that, whatever the lead picked
            current = self.rep() if self._reps_shown else default_rep(
                reps, self.access.rep_name)  # fmt: skip
            self._reps_shown = True
            self.rep_combo.blockSignals(True)
            self.rep_combo.clear()
            self.rep_combo.addItem("All reps", "")
            for r in reps:
                self.rep_combo.addItem(r, r)
            self.rep_combo.setCurrentIndex(max(0, self.rep_combo.findData(current)))
            self.rep_combo.blockSignals(False)
            self.repsLoaded.emit(len(reps))
            self._period_changed()

        self.access.read(queries.reps, show)

    def _period_changed(self) -> None:
        if not self._reps_shown:
            return
        rep = self.rep()
        since, until = self.period()

        def load(db: Any) -> tuple[dict, bool]:
            return queries.dashboard(db, rep, since, until), bool(queries.find_calls(db, limit=1))

        def show(result: tuple[dict, bool]) -> None:
            data, any_calls = result
            self.dashboard.set_data(data)
            # with no call at all, five empty charts say nothing: only the hint shows
            self.dashboard.set_hint(self._empty_hint(data, any_calls), charts=any_calls)
            self.dashboardLoaded.emit()

        self.access.read(load, show)
        self.session.load_sessions()

    def _empty_hint(self, data: dict, any_calls: bool) -> str:
        """What to do next when the dashboard has nothing to chart ('' when it has)."""
        if data["totals"]["calls"]:
            return ""
        if not any_calls:
            return ("No calls yet. Calls you make on the Phone page, or while working a list "
                    "on Calling, show up here with their weekly trends. A team lead brings in "
                    "a rep's calls with the Import a rep's bundle button above.")  # fmt: skip
        who = data["rep"] or "any rep"
        since, until = self.since_edit.text(), self.until_edit.text()
        more = "" if not data["rep"] else " or pick All reps"
        return f"No calls for {who} from {since} to {until}: widen the dates{more}."

    # -- exports -------------------------------------------------------------------------------
    def export_csv(self, path: str) -> None:
        rep, (since, until) = self.rep(), self.period()
        self.access.read(
            lambda db: export.metrics_csv(db, path, rep=rep, since=since, until=until) and path,
            lambda _: self._exported(path),
        )

    def _exported(self, path: str) -> None:
        self.problem.setText("")
        self.exported.emit(path)

    def import_bundle(self, path: str) -> None:
        """Import a rep's bundle (importing the same one twice adds nothing)."""

        def done(result: dict) -> None:
            n, skipped = len(result["imported"]), len(result["skipped"])
            self.problem.setText("")
            self.status_text = f"Imported {n} calls" + (
                f", {skipped} were already here." if skipped else "."
            )
            self.imported.emit(result)
            self.load_reps()

        # The calls and contacts rows are the call history's: app/ hands in its functions.
        calls = self.access.services.calls_table

        def prepared(p: bundle_import.PreparedBundle) -> None:
            def written(result: dict) -> None:
                p.discard()
                done(result)

            def failed(sentence: str) -> None:
                p.discard()
                self.problem.setText(sentence)

            self.access.write(
                bundle_import.write_import, p, calls, on_done=written, on_error=failed
            )

        # Unzipping and extracting recordings on the io worker, then one short writer job:
        # the single writer never waits on a zip (a live call's rows may be queued behind it).
        self.access.read(
            lambda db: bundle_import.prepare_import(
                db, path, bundle_import.recordings_beside(db), calls
            ),
            prepared,
            on_error=self.problem.setText,
        )

    def _ask_bundle(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a rep's calls", "", "Call Coach bundle (*.ccbundle *.zip)"
        )
        if path:
            self.import_bundle(path)

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export metrics", "metrics.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)
