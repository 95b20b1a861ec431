"""The coach panel shown during a call: gauges, qualification checklist, flag and positive cards.

Plain data in (`add_flag`, `add_positive`, `update_metrics`), one signal out (a dismissed card
with the running dismissal count). The app layer feeds it from the bridge and its poll timer.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from coach.ui.cards import CardFeed
from coach.ui.checklist import QualificationChecklist
from coach.ui.gauges import Gauges


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("PanelTitle")
    return label


class CoachPanel(QWidget):
    cardDismissed = Signal(object, int)

    def __init__(
        self,
        monologue_limit: float = 45.0,
        repeat_window: float = 30.0,
        dismissals: dict[str, int] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 14)
        lay.setSpacing(10)
        lay.addWidget(_title("COACH"))
        self.gauges = Gauges(monologue_limit)
        lay.addWidget(self.gauges)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: #e5e7eb;")
        lay.addWidget(line)
        lay.addWidget(_title("QUALIFICATION"))
        self.checklist = QualificationChecklist()
        lay.addWidget(self.checklist)
        line2 = QFrame()
        line2.setFrameShape(QFrame.Shape.HLine)
        line2.setStyleSheet("color: #e5e7eb;")
        lay.addWidget(line2)
        self.feed = CardFeed(repeat_window=repeat_window, dismissals=dismissals)
        self.feed.cardDismissed.connect(self.cardDismissed)
        self.idle = QLabel("Cards appear here when something in the call is worth a change.")
        self.idle.setObjectName("Hint")
        self.idle.setWordWrap(True)
        lay.addWidget(self.idle)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.feed)
        lay.addWidget(scroll, 1)

    def reset(self) -> None:
        self.feed.clear()
        self.gauges.reset()
        self.checklist.reset()
        self.idle.show()

    def add_flag(self, flag: Any) -> bool:
        card = self.feed.add_flag(flag)
        if card is not None:
            self.idle.hide()
        return card is not None

    def add_positive(self, mark: Any) -> None:
        self.feed.add_positive(mark)
        self.idle.hide()

    def set_hidden_kinds(self, kinds: set[str]) -> None:
        self.feed.hidden_kinds = set(kinds)

    def update_metrics(self, m: dict, monologue_now: float | None = None) -> None:
        """Map LiveCoach.metrics() onto the gauges and the checklist."""
        ratio = m.get("talk_ratio")
        if isinstance(ratio, dict):
            ratio = ratio.get("rep")
        open_q = int(m.get("open_questions", 0) or 0)
        questions = open_q + int(m.get("closed_questions", 0) or 0)
        mono = monologue_now
        if mono is None:
            mono = float(m.get("current_monologue_seconds", 0.0) or 0.0)
        self.gauges.update_values(ratio, mono, questions, open_q)
        coverage = m.get("qualification") or {}
        if isinstance(coverage, dict) and coverage:
            self.checklist.update_coverage(coverage)
