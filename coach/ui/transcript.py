"""The two-lane live transcript: rep on the left, prospect on the right.

Finals arrive as `Utterance` objects and become bubbles; the partial (words still being
recognised) of each lane is shown greyed below the last bubble and replaced when the final
lands. Partials are pulled by the app's 10–20 Hz poll via `set_partials`, never pushed per
audio block.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

LANES = ("rep", "prospect")
LANE_TITLES = {"rep": "YOU", "prospect": "PROSPECT"}


_I = re.compile(r"\bi(?=\b|')")


def readable(text: str) -> str:
    """Vosk's lower-case words as a sentence: capital first letter and a capital I."""
    text = _I.sub("I", text.strip())
    return text[:1].upper() + text[1:]


def _clock(t: float) -> str:
    t = max(0, int(t))
    return f"{t // 60}:{t % 60:02d}"


class _Bubble(QFrame):
    def __init__(self, speaker: str, text: str, start: float) -> None:
        super().__init__()
        self.setObjectName("Bubble")
        self.setProperty("speaker", speaker)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 7)
        lay.setSpacing(1)
        self.time = QLabel(_clock(start))
        self.time.setObjectName("BubbleTime")
        self.raw = text
        self.text = QLabel(readable(text))
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.time)
        lay.addWidget(self.text)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)


class LiveTranscript(QWidget):
    """Rows in time order; each row holds one bubble in its speaker's column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 12)
        outer.setSpacing(6)
        heads = QGridLayout()
        for col, lane in enumerate(LANES):
            h = QLabel(LANE_TITLES[lane])
            h.setObjectName("LaneHeader")
            h.setAlignment(Qt.AlignmentFlag.AlignLeft if col == 0 else Qt.AlignmentFlag.AlignRight)
            heads.addWidget(h, 0, col)
        outer.addLayout(heads)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        self.grid = QGridLayout(body)
        self.grid.setContentsMargins(0, 0, 4, 0)
        self.grid.setHorizontalSpacing(24)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        self.scroll.setWidget(body)
        outer.addWidget(self.scroll, 1)

        self.empty = QLabel("The conversation appears here as it is spoken.")
        self.empty.setObjectName("Hint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.partials: dict[str, QLabel] = {}
        self.bubbles: list[_Bubble] = []
        self.rows = 0
        self.clear()

    def clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            w = item.widget()
            if w is not None and w is not self.empty:
                w.deleteLater()
        self.bubbles = []
        self.rows = 0
        self.grid.addWidget(self.empty, 0, 0, 1, 2)
        self.empty.show()
        self.partials = {}
        for col, lane in enumerate(LANES):
            p = QLabel("")
            p.setObjectName("Partial")
            p.setWordWrap(True)
            p.hide()
            self.partials[lane] = p
            self.grid.addWidget(p, 1000, col)  # partials sit below every final
        self.grid.setRowStretch(1001, 1)

    def add_final(self, speaker: str, text: str, start: float, flagged: bool = False) -> None:
        if not text.strip():
            return
        self.empty.hide()
        b = _Bubble(speaker, text, start)
        if flagged:
            b.setProperty("flagged", "true")
        self.bubbles.append(b)
        col = 0 if speaker == "rep" else 1
        self.grid.addWidget(b, self.rows + 1, col)
        self.rows += 1
        self.set_partial(speaker, "")
        self._scroll_to_end()

    def mark_flagged(self, speaker: str, start: float) -> None:
        """Outline the bubble a coach card refers to."""
        for b in reversed(self.bubbles):
            if b.property("speaker") == speaker and b.time.text() == _clock(start):
                b.setProperty("flagged", "true")
                b.style().unpolish(b)
                b.style().polish(b)
                return

    def set_partial(self, speaker: str, text: str) -> None:
        label = self.partials.get(speaker)
        if label is None or getattr(label, "raw", None) == text:
            return
        label.raw = text
        label.setText(readable(text) + " …" if text else "")
        label.setVisible(bool(text))
        if text:
            self.empty.hide()
            self._scroll_to_end()

    def set_partials(self, partials: dict[str, str]) -> None:
        for lane in LANES:
            self.set_partial(lane, partials.get(lane, ""))

    def texts(self, speaker: str | None = None) -> list[str]:
        return [b.raw for b in self.bubbles if speaker is None or b.property("speaker") == speaker]

    def _scroll_to_end(self) -> None:
        # after the layout has grown; the context object cancels it if the widget is gone
        QTimer.singleShot(0, self.scroll, self._end)

    def _end(self) -> None:
        bar = self.scroll.verticalScrollBar()
        bar.setValue(bar.maximum())
