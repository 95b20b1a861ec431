"""The contact card shown while a call sets up: what the history says about the far end.

Previous calls, when you last talked, recently flagged topics, notes — so no inquiry is
treated as a discrete transaction. Takes a `ContactSummary` (plain data).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from softphone.numbers import pretty
from softphone.ui.rows import ContactSummary
from softphone.ui.theme import icon


class ContactCard(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ContactCard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        lay.setSpacing(4)
        top = QHBoxLayout()
        avatar = QLabel()
        avatar.setPixmap(icon("user", "#6b7280").pixmap(QSize(28, 28)))
        top.addWidget(avatar)
        names = QVBoxLayout()
        names.setSpacing(0)
        self.name = QLabel("")
        self.name.setObjectName("ContactName")
        self.sub = QLabel("")
        self.sub.setObjectName("Hint")
        names.addWidget(self.name)
        names.addWidget(self.sub)
        top.addLayout(names, 1)
        lay.addLayout(top)
        self.facts: list[QLabel] = []
        self.facts_box = QVBoxLayout()
        self.facts_box.setSpacing(2)
        lay.addLayout(self.facts_box)

    def show_summary(self, s: ContactSummary, region: str = "US") -> None:
        self.name.setText(s.name or pretty(s.number, region) or "Unknown")
        # the number is already in the call header above; the company is what is new here
        self.sub.setText(s.company)
        self.sub.setVisible(bool(s.company))
        for f in self.facts:
            f.setParent(None)
            f.deleteLater()
        self.facts = []
        calls = (
            "No earlier calls"
            if not s.previous_calls
            else (f"{s.previous_calls} earlier call" + ("s" if s.previous_calls != 1 else ""))
        )
        lines = [f"{calls} · {s.last_talked_sentence()}"]
        if s.covered:
            lines.append("Already learned: " + ", ".join(s.covered))
        if s.last_flags:
            lines.append("Flagged last time: " + ", ".join(s.last_flags))
        if s.notes:
            lines.append("Notes: " + s.notes)
        for text in lines:
            label = QLabel(text)
            label.setObjectName("ContactFact")
            label.setWordWrap(True)
            self.facts_box.addWidget(label)
            self.facts.append(label)
