"""Live gauges: talk ratio, the current monologue timer, questions asked.

Values are set by the app's poll timer (10–20 Hz) from `LiveCoach.metrics()`; a gauge turns
amber then red as the rep talks too much or too long.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget


def _repolish(w: QWidget) -> None:
    w.style().unpolish(w)
    w.style().polish(w)


class _Gauge(QWidget):
    def __init__(self, label: str) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.value = QLabel("—")
        self.value.setObjectName("GaugeValue")
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        self.label = QLabel(label)
        self.label.setObjectName("GaugeLabel")
        lay.addWidget(self.value)
        lay.addWidget(self.bar)
        lay.addWidget(self.label)
        self._tone = ""

    def set(self, text: str, fraction: float, tone: str = "") -> None:
        if self.value.text() != text:
            self.value.setText(text)
        self.bar.setValue(int(max(0.0, min(1.0, fraction)) * 100))
        if tone != self._tone:
            self._tone = tone
            for w in (self.value, self.bar):
                w.setProperty("tone", tone)
                _repolish(w)


class Gauges(QWidget):
    def __init__(self, monologue_limit: float = 45.0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.monologue_limit = monologue_limit
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        self.talk = _Gauge("You talk")
        self.monologue = _Gauge("Talking now")
        self.questions = _Gauge("Questions")
        for i, g in enumerate((self.talk, self.monologue, self.questions)):
            grid.addWidget(g, 0, i, Qt.AlignmentFlag.AlignTop)
        self.reset()

    def reset(self) -> None:
        self.talk.set("—", 0.0)
        self.monologue.set("0s", 0.0)
        self.questions.set("0", 0.0)

    def update_values(
        self, talk_ratio: float | None, monologue_s: float, questions: int, open_q: int = 0
    ) -> None:
        if talk_ratio is None:
            self.talk.set("—", 0.0)
        else:
            pct = talk_ratio * 100
            tone = "bad" if pct > 70 else "warn" if pct > 55 else ""
            self.talk.set(f"{pct:.0f}%", talk_ratio, tone)
        limit = self.monologue_limit or 45.0
        m_tone = "bad" if monologue_s >= limit else "warn" if monologue_s >= 0.66 * limit else ""
        self.monologue.set(f"{monologue_s:.0f}s", monologue_s / limit, m_tone)
        self.questions.set(str(questions), min(1.0, questions / 11), "")
        self.questions.label.setText(f"Questions · {open_q} open" if open_q else "Questions")
