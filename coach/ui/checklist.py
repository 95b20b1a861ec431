"""The qualification checklist: project, budget, timeline, authority — ticked with evidence.

Each topic ticks itself off when the coach's metrics report it covered; the line that
covered it is shown under the topic, so the rep sees why it counts.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

TOPICS = (
    ("project", "Project / need"),
    ("budget", "Budget"),
    ("timeline", "Timeline"),
    ("authority", "Decision maker"),
)


class QualificationChecklist(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(1)
        self.marks: dict[str, QLabel] = {}
        self.names: dict[str, QLabel] = {}
        self.evidence: dict[str, QLabel] = {}
        for row, (key, title) in enumerate(TOPICS):
            mark = QLabel("○")
            mark.setFixedWidth(18)
            name = QLabel(title)
            name.setObjectName("CheckItem")
            ev = QLabel("")
            ev.setObjectName("CheckEvidence")
            ev.setWordWrap(True)
            ev.hide()
            grid.addWidget(mark, row * 2, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(name, row * 2, 1)
            grid.addWidget(ev, row * 2 + 1, 1)
            self.marks[key], self.names[key], self.evidence[key] = mark, name, ev

    def reset(self) -> None:
        for key in self.marks:
            self.set_topic(key, False, "")

    def covered(self) -> set[str]:
        return {k for k, m in self.marks.items() if m.text() == "✓"}

    def set_topic(self, key: str, done: bool, evidence: str = "") -> None:
        if key not in self.marks:
            return
        mark, name, ev = self.marks[key], self.names[key], self.evidence[key]
        mark.setText("✓" if done else "○")
        mark.setStyleSheet("color: #16a34a; font-weight: bold;" if done else "color: #9ca3af;")
        name.setProperty("done", "true" if done else "false")
        name.style().unpolish(name)
        name.style().polish(name)
        text = f"“{evidence}”" if evidence else ""
        if ev.text() != text:
            ev.setText(text)
        ev.setVisible(done and bool(evidence))

    def update_coverage(self, coverage: dict) -> None:
        """coverage: topic -> bool, or topic -> evidence text ('' / None = not yet)."""
        for key, _ in TOPICS:
            value = coverage.get(key)
            if key == "project" and value is None:
                value = coverage.get("need")
            if isinstance(value, dict):
                self.set_topic(key, bool(value.get("covered", True)), value.get("evidence") or "")
            elif isinstance(value, str):
                self.set_topic(key, bool(value), value)
            else:
                self.set_topic(key, bool(value), "")
