"""Settings pages for the coach: the speech model (status, download, install from file) and
the coach itself (rule pack, thresholds, which flags show live, dismissal counts).

Pages show plain values and emit requests; downloads and installs run in the app's
background workers, which report progress back through `set_progress`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from coach.types import FLAG_KINDS
from coach.ui.cards import KIND_TITLES
from uikit.forms import form_box, hint, page_layout, thin_bar


class ModelPage(QWidget):
    downloadRequested = Signal()
    installFileRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = page_layout(self)
        box, form = form_box("Speech model")
        self.state = QLabel("Loading…")
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.progress = thin_bar()
        self.progress.hide()
        row = QHBoxLayout()
        self.download = QPushButton("Download English model")
        self.download.setProperty("role", "primary")
        self.download.clicked.connect(self.downloadRequested)
        self.install = QPushButton("Install from file…")
        self.install.clicked.connect(self._pick_file)
        row.addWidget(self.download)
        row.addWidget(self.install)
        row.addStretch(1)
        form.addRow("Status", self.state)
        form.addRow("Location", self.path)
        form.addRow("", self.progress)
        form.addRow("", row)
        lay.addWidget(box)
        lay.addWidget(
            hint(
                "Transcription runs on this laptop. Without a model, calls work but the live "
                "transcript and coach stay off."
            )
        )
        lay.addStretch(1)

    def set_state(self, sentence: str, path: str = "") -> None:
        self.state.setText(sentence)
        if path:
            self.path.setText(path)

    def set_progress(self, fraction: float | None) -> None:
        """None hides the bar; 0..1 shows it."""
        self.progress.setVisible(fraction is not None)
        self.download.setEnabled(fraction is None)
        if fraction is not None:
            self.progress.setValue(int(fraction * 100))

    def _pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Install a speech model", "", "Model archives (*.zip *.tar.gz)"
        )
        if path:
            self.installFileRequested.emit(path)


class CoachPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = page_layout(self)
        box, form = form_box("Coach")
        self.rule_pack = QLineEdit()
        self.rule_pack.setPlaceholderText("Built-in pack")
        self.monologue = QDoubleSpinBox()
        self.monologue.setRange(0, 600)
        self.monologue.setSpecialValueText("Rule pack's limit")
        self.monologue.setSuffix(" s")
        self.monologue.setDecimals(0)
        self.monologue.setFixedWidth(160)
        self.repeat = QDoubleSpinBox()
        self.repeat.setRange(0, 600)
        self.repeat.setSuffix(" s")
        self.repeat.setDecimals(0)
        self.repeat.setFixedWidth(110)
        form.addRow("Rule pack", self.rule_pack)
        form.addRow("Monologue warning after", self.monologue)
        form.addRow("Don't repeat a card within", self.repeat)
        lay.addWidget(box)
        kinds = QGroupBox("Show these cards during calls")
        grid = QGridLayout(kinds)
        self.kind_boxes: dict[str, QCheckBox] = {}
        for i, kind in enumerate(FLAG_KINDS):
            cb = QCheckBox(KIND_TITLES.get(kind, kind))
            cb.setChecked(True)
            self.kind_boxes[kind] = cb
            grid.addWidget(cb, i // 2, i % 2)
        lay.addWidget(kinds)
        self.dismissals = hint()
        lay.addWidget(self.dismissals)
        self.semantic = QLabel("")  # what the coach runs on, in one sentence
        self.semantic.setObjectName("SemanticState")
        self.semantic.setWordWrap(True)
        lay.addWidget(self.semantic)
        lay.addStretch(1)

    def set_semantic(self, sentence: str) -> None:
        self.semantic.setText(sentence)

    def load(self, values: dict) -> None:
        self.rule_pack.setText(values.get("rule_pack", ""))
        self.monologue.setValue(float(values.get("monologue_seconds") or 0))
        self.repeat.setValue(float(values.get("card_repeat_seconds", 30)))
        live = set(values.get("live_flags") or FLAG_KINDS)
        for kind, cb in self.kind_boxes.items():
            cb.setChecked(kind in live)
        counts = values.get("dismissals") or {}
        if counts:
            parts = [f"{KIND_TITLES.get(k, k)} {n}×" for k, n in sorted(counts.items())]
            self.dismissals.setText("Cards you dismissed so far: " + ", ".join(parts))
        else:
            self.dismissals.setText("You have not dismissed any cards yet.")

    def values(self) -> dict:
        live = [k for k, cb in self.kind_boxes.items() if cb.isChecked()]
        return {
            "rule_pack": self.rule_pack.text().strip(),
            "monologue_seconds": self.monologue.value(),
            "card_repeat_seconds": self.repeat.value(),
            "live_flags": [] if len(live) == len(FLAG_KINDS) else live,
        }
