"""The review window's timeline: both speakers' talk as bars on two lanes, flagged moments
as amber/red markers, positive marks as green ticks, and the playhead.

Clicking anywhere asks to play from that moment (`seekRequested(seconds)`); clicking near a
flag marker asks for that flag (`flagClicked(flag_id)`).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

LANES = {"rep": 0, "prospect": 1}
COLORS = {"rep": QColor("#2563eb"), "prospect": QColor("#9ca3af")}
HIGH = {"pressure", "arguing", "false_familiarity", "interruption"}
LEFT = 70  # room for the lane names


class CallTimeline(QWidget):
    seekRequested = Signal(float)
    flagClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CallTimeline")
        self.setMinimumHeight(96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.duration = 1.0
        self.utterances: list[dict] = []
        self.flags: list[dict] = []
        self.positives: list[dict] = []
        self.playhead: float | None = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to play from that moment")

    def set_call(
        self, duration: float | None, utterances: list, flags: list, positives: list
    ) -> None:
        ends = [u["end"] for u in utterances] + [f["end"] for f in flags]
        self.duration = max([duration or 0.0, *ends, 1.0])
        self.utterances, self.flags, self.positives = utterances, flags, positives
        self.playhead = None
        self.update()

    def set_playhead(self, seconds: float | None) -> None:
        self.playhead = seconds
        self.update()

    def x_of(self, seconds: float) -> float:
        width = max(1, self.width() - LEFT - 8)
        return LEFT + width * max(0.0, min(1.0, seconds / self.duration))

    def seconds_at(self, x: float) -> float:
        width = max(1, self.width() - LEFT - 8)
        return max(0.0, min(self.duration, (x - LEFT) / width * self.duration))

    def flag_at(self, x: float, tolerance: float = 5.0) -> dict | None:
        near = [f for f in self.flags if abs(self.x_of(f["start"]) - x) <= tolerance]
        return min(near, key=lambda f: abs(self.x_of(f["start"]) - x)) if near else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        x, y = event.position().x(), event.position().y()
        flag = self.flag_at(x) if y < 22 else None
        if flag is not None:
            self.flagClicked.emit(int(flag["id"]))
        elif x >= LEFT:
            self.seekRequested.emit(self.seconds_at(x))

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#ffffff"))
        lane_h, top = 24, 26
        for name, lane in LANES.items():
            y = top + lane * (lane_h + 8)
            p.setPen(QColor("#6b7280"))
            p.drawText(QRectF(4, y, LEFT - 8, lane_h), Qt.AlignmentFlag.AlignVCenter,
                       "You" if name == "rep" else "Prospect")  # fmt: skip
            p.fillRect(QRectF(LEFT, y, self.width() - LEFT - 8, lane_h), QColor("#f3f4f6"))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(COLORS[name])
            for u in self.utterances:
                if u["speaker"] == name:
                    x0, x1 = self.x_of(u["start"]), self.x_of(u["end"])
                    p.drawRect(QRectF(x0, y + 3, max(1.0, x1 - x0), lane_h - 6))
        for f in self.flags:
            x = self.x_of(f["start"])
            color = QColor("#dc2626" if f["kind"] in HIGH else "#f59e0b")
            p.setPen(QPen(color, 1.5))
            p.drawLine(QPointF(x, 16), QPointF(x, top + 2 * lane_h + 8))
            p.setBrush(color)
            p.setPen(Qt.PenStyle.NoPen)
            p.drawPolygon(QPolygonF([QPointF(x - 5, 4), QPointF(x + 5, 4), QPointF(x, 16)]))
        p.setPen(QPen(QColor("#16a34a"), 2))
        bottom = top + 2 * lane_h + 10
        for m in self.positives:
            x = self.x_of(m["start"])
            p.drawLine(QPointF(x, bottom), QPointF(x, bottom + 8))
        if self.playhead is not None:
            x = self.x_of(self.playhead)
            p.setPen(QPen(QColor("#111827"), 2))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()
