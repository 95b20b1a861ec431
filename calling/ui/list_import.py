"""The call-list import dialog: pick a CSV (or paste from a spreadsheet), see how the columns
were mapped, the first rows as they will be imported and every rejected row with its line
and reason, then import. Writing is left to `on_import(preview, name)` so the app can send it
through its single database writer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from calling import calllists

PREVIEW_ROWS = 20


class ListImportDialog(QDialog):
    def __init__(
        self,
        on_import: Callable[[calllists.ListPreview, str], Any],
        region: str = "US",
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import a call list")
        self.on_import, self.region = on_import, region
        self.preview: calllists.ListPreview | None = None
        self.result_value: Any = None
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("List name")
        choose = QPushButton("Choose file…")
        choose.clicked.connect(self._choose)
        paste = QPushButton("Paste from spreadsheet")
        paste.clicked.connect(self._paste)
        top.addWidget(self.name, 1)
        top.addWidget(choose)
        top.addWidget(paste)
        lay.addLayout(top)
        self.summary = QLabel("Choose a CSV file or paste rows copied from a spreadsheet.")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.mapping = QLabel("")
        self.mapping.setObjectName("Hint")
        self.mapping.setWordWrap(True)
        lay.addWidget(self.mapping)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Line", "Name", "Company", "Phone", "Last action"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)  # the file's line number says more
        lay.addWidget(self.table, 3)
        lay.addWidget(QLabel("Rejected rows"))
        self.rejected = QListWidget()
        lay.addWidget(self.rejected, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.import_button = QPushButton("Import")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self._import)
        buttons.addWidget(cancel)
        buttons.addWidget(self.import_button)
        lay.addLayout(buttons)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Call list", "", "Lists (*.csv *.tsv *.txt);;All files (*)"
        )
        if path:
            self.load(path)

    def _paste(self) -> None:
        self.load_text(QApplication.clipboard().text(), "Pasted list")

    def load(self, path: str | Path) -> None:
        try:
            text = calllists.read_text(path)
        except calllists.CallListError as e:
            self._fail(str(e))
            return
        self.load_text(text, Path(path).stem)

    def load_text(self, text: str, name: str) -> None:
        try:
            preview = calllists.parse_table(text, self.region)
        except calllists.CallListError as e:
            self._fail(str(e))
            return
        self.preview = preview
        if not self.name.text():
            self.name.setText(name)
        self.summary.setText(
            f"{len(preview.rows)} contacts ready to import, {len(preview.rejected)} rows rejected."
        )
        mapped = [f"{f.replace('_', ' ')} ← {', '.join(h)}" for f, h in preview.columns.items()]
        unused = f"   (not used: {', '.join(preview.unmapped)})" if preview.unmapped else ""
        self.mapping.setText("Columns: " + "; ".join(mapped) + unused)
        self.table.setRowCount(min(len(preview.rows), PREVIEW_ROWS))
        for i, r in enumerate(preview.rows[:PREVIEW_ROWS]):
            for col, value in enumerate((str(r.line), r.name, r.company, r.phone, r.last_action)):
                self.table.setItem(i, col, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.rejected.clear()
        for rej in preview.rejected:
            self.rejected.addItem(f"Line {rej.line}: {rej.reason}")
        self.import_button.setEnabled(bool(preview.rows))

    def _fail(self, sentence: str) -> None:
        self.preview = None
        self.summary.setText(sentence)
        self.mapping.setText("")
        self.table.setRowCount(0)
        self.rejected.clear()
        self.import_button.setEnabled(False)

    def _import(self) -> None:
        if self.preview is None:
            return
        self.result_value = self.on_import(self.preview, self.name.text().strip() or "List")
        self.accept()
