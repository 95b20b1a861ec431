"""Teaching the coach from the review and coaching screens, and retraining it.

`TeachBar` sits under a list of rep lines (the review transcript, the coaching session's
flagged moments): "Should have been flagged as…" (the five phrase kinds) and "Not a problem"
act on the chosen line, and the same actions are offered by `teach_menu` in the list's context
menu. A marked line becomes an example in the library through the app's StoreWriter
(`coach.library.teaching.teach_line`: with the prospect's line before it, the earlier calls
with the contact and who marked it). "Retrain coach" asks the app to refit the semantic layer
on its coach worker (`services.retrain`); progress and the result come back on the GUI thread,
and the before/after summary opens in a dialog. The app reloads the layer for the next call.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coach.library.teaching import teach_line
from coach.ui.cards import KIND_TITLES
from coach.ui.library_access import LibraryAccess

TEACH_KINDS = ("arguing", "pressure", "vague_language", "false_familiarity", "content_dump")
FLAG_AS = "Should have been flagged as…"
NOT_A_PROBLEM = "Not a problem"

# what a line offers: {"call_id", "start", "text", "flagged": kinds already flagged on it}
Line = dict


def teach_menu(
    menu: QMenu, line: Line | None, on_teach: Callable[[Line, str | None], None]
) -> None:
    """Add the teaching actions for `line` (a rep line) to `menu`; nothing for other lines."""
    if not line:
        return
    sub = menu.addMenu(FLAG_AS)
    flagged = set(line.get("flagged") or ())
    for kind in TEACH_KINDS:
        act = sub.addAction(KIND_TITLES.get(kind, kind))
        act.setEnabled(kind not in flagged)
        act.triggered.connect(lambda _=False, k=kind: on_teach(line, k))
    if flagged:
        quiet = menu.addAction(NOT_A_PROBLEM)
        quiet.triggered.connect(lambda _=False: on_teach(line, None))


class TrainSummaryDialog(QDialog):
    """The before/after precision and recall of a retrain, as the trainer wrote it."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Coach retrained")
        self.resize(980, 280)
        lay = QVBoxLayout(self)
        head = QLabel(
            "The coach was retrained on the shipped examples and the ones your team taught. "
            "The next call, import and analysis use it."
        )
        head.setWordWrap(True)
        lay.addWidget(head)
        self.text = QPlainTextEdit(text)
        self.text.setObjectName("TeachSummary")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        lay.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)


class TeachBar(QWidget):
    taught = Signal(str)  # the sentence shown after a line was marked
    retrained = Signal(object)  # the TrainResult
    problem = Signal(str)

    def __init__(
        self,
        access: LibraryAccess,
        current: Callable[[], Line | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.access, self.current = access, current
        self.dialog: TrainSummaryDialog | None = None
        self.summary_text = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.setSpacing(4)
        row = QHBoxLayout()
        self.flag_as_button = QPushButton(FLAG_AS)
        self.flag_as_menu = QMenu(self.flag_as_button)
        for kind in TEACH_KINDS:
            act = self.flag_as_menu.addAction(KIND_TITLES.get(kind, kind))
            act.triggered.connect(lambda _=False, k=kind: self.teach_current(k))
        self.flag_as_button.setMenu(self.flag_as_menu)
        self.flag_as_button.setToolTip("Teach the coach: this line deserved a card")
        self.quiet_button = QPushButton(NOT_A_PROBLEM)
        self.quiet_button.setToolTip("Teach the coach: this line was fine")
        self.quiet_button.clicked.connect(lambda: self.teach_current(None))
        self.retrain_button = QPushButton("Retrain coach")
        self.retrain_button.setProperty("role", "primary")
        self.retrain_button.setToolTip("Refit the coach on what the team taught (takes a minute)")
        self.retrain_button.clicked.connect(self.retrain)
        row.addWidget(self.flag_as_button)
        row.addWidget(self.quiet_button)
        row.addStretch(1)
        row.addWidget(self.retrain_button)
        lay.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFixedHeight(14)
        self.progress.hide()
        lay.addWidget(self.progress)
        self.status = QLabel("Mark a rep line to teach the coach, then retrain it.")
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.problem.connect(self._say_problem)

    # -- teaching ------------------------------------------------------------------------------
    @property
    def added_by(self) -> str:
        return self.access.rep_name or getpass.getuser()

    def teach_current(self, kind: str | None) -> None:
        line = self.current()
        if not line:
            self.problem.emit("Pick one of your lines first (the prospect's lines are not judged).")
            return
        self.teach(line, kind)

    def teach(self, line: Line, kind: str | None) -> None:
        """Store `line` as an example of `kind` (None: not a problem) via the StoreWriter."""
        what = NOT_A_PROBLEM.lower() if kind is None else KIND_TITLES.get(kind, kind).lower()

        def done(_: Any) -> None:
            sentence = f"Taught: “{line['text']}” is {what}. Retrain the coach to use it."
            self.status.setText(sentence)
            self.status.setProperty("role", "hint")
            self.taught.emit(sentence)

        self.access.write(
            teach_line, self.access.services.calls_table, line["call_id"], float(line["start"]),
            line["text"], kind, self.added_by, on_done=done, on_error=self.problem.emit,
        )  # fmt: skip

    # -- retraining ----------------------------------------------------------------------------
    def retrain(self) -> None:
        services = self.access.services
        if not hasattr(services, "retrain"):
            self.problem.emit("Retraining is not available here.")
            return
        self.retrain_button.setEnabled(False)
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.progress.show()
        self.status.setText("Retraining the coach: encoding new lines and fitting…")
        services.retrain(self._retrained, self._retrain_failed, self._progress)

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"Encoding new lines: {done}/{total}")

    def _retrained(self, result: Any) -> None:
        from coach.semantic.report import summary

        self.retrain_button.setEnabled(True)
        self.progress.hide()
        report = getattr(result, "report", {}) or {}
        self.summary_text = summary(report)
        self.status.setText(
            f"The coach was retrained on {report.get('examples', '?')} labelled lines; "
            "the next call uses it."
        )
        self.dialog = TrainSummaryDialog(self.summary_text, self.window())
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.dialog.show()
        self.retrained.emit(result)

    def _retrain_failed(self, sentence: str) -> None:
        self.retrain_button.setEnabled(True)
        self.progress.hide()
        self.problem.emit(f"The coach could not be retrained: {sentence}")

    def _say_problem(self, sentence: str) -> None:
        self.status.setText(sentence)
