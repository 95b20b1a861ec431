"""Small painted charts for the coaching dashboard (QtCharts is not in PySide6-Essentials).

`TrendChart` draws one value per week as a line or bars, several series side by side, or
stacked bars (flags per call by kind); values may be None (no data that week). Axes are
labelled with the week's Monday and the value format (count, decimal or percent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777",
           "#65a30d", "#9ca3af"]  # fmt: skip


@dataclass
class Series:
    name: str
    values: list[float | None]
    color: str = PALETTE[0]
    kind: str = "line"  # "line" | "bar"


class TrendChart(QWidget):
    def __init__(self, title: str, fmt: str = "count", stacked: bool = False) -> None:
        super().__init__()
        self.title, self.fmt, self.stacked = title, fmt, stacked
        self.labels: list[str] = []
        self.series: list[Series] = []
        self.target: float | None = None
        self.setMinimumSize(300, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(
        self, labels: list[str], series: list[Series], target: float | None = None
    ) -> None:
        self.labels, self.series, self.target = labels, series, target
        self.update()

    def _text(self, v: float) -> str:
        if self.fmt == "percent":
            return f"{v:.0%}"
        return f"{v:.1f}" if self.fmt == "decimal" else f"{v:.0f}"

    def top_value(self) -> float:
        if self.stacked:
            sums = [sum(s.values[i] or 0.0 for s in self.series) for i in range(len(self.labels))]
            top = max(sums, default=0.0)
        else:
            top = max((v for s in self.series for v in s.values if v is not None), default=0.0)
        if self.target is not None:
            top = max(top, self.target)
        if self.fmt == "percent":
            return 1.0 if top > 0.4 else 0.5
        if top <= 0:
            return 4.0 if self.fmt == "count" else 1.0
        if self.fmt == "count":
            return float(-(-int(top * 1.1 + 0.999) // 4) * 4)  # integer ticks: a multiple of 4
        mag = 10 ** math.floor(math.log10(top * 1.1))
        return next(m * mag for m in (1, 2, 4, 6, 8, 10) if top * 1.1 <= m * mag)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#ffffff"))
        small = QFont(self.font())
        small.setPointSizeF(7.5)
        bold = QFont(self.font())
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(QColor("#374151"))
        p.drawText(QRectF(8, 4, self.width() - 16, 18), Qt.AlignmentFlag.AlignLeft, self.title)
        p.setFont(small)
        legend_x = self.width() - 8.0
        for s in reversed(self.series):
            w = p.fontMetrics().horizontalAdvance(s.name) + 16
            legend_x -= w
            p.fillRect(QRectF(legend_x, 9, 9, 9), QColor(s.color))
            p.setPen(QColor("#4b5563"))
            p.drawText(QPointF(legend_x + 12, 17), s.name)
        plot = QRectF(44, 28, self.width() - 56, self.height() - 50)
        n = len(self.labels)
        if n == 0:
            p.setPen(QColor("#9ca3af"))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No calls in this period")
            p.end()
            return
        top = self.top_value()

        def y_of(v: float) -> float:
            return plot.bottom() - plot.height() * (v / top)

        p.setPen(QPen(QColor("#e5e7eb"), 1))
        for i in range(5):
            v = top * i / 4
            y = y_of(v)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor("#9ca3af"))
            p.drawText(QRectF(0, y - 7, 40, 14), Qt.AlignmentFlag.AlignRight, self._text(v))
            p.setPen(QPen(QColor("#e5e7eb"), 1))
        step = plot.width() / n
        every = max(1, int(60 / step) + 1)
        p.setPen(QColor("#6b7280"))
        for i, label in enumerate(self.labels):
            if i % every == 0:
                x = plot.left() + step * (i + 0.5)
                p.drawText(QRectF(x - 30, plot.bottom() + 3, 60, 14), Qt.AlignmentFlag.AlignCenter,
                           label[5:] if len(label) == 10 else label)  # fmt: skip
        bars = [s for s in self.series if s.kind == "bar"]
        base = [0.0] * n
        for k, s in enumerate(bars):
            width = step * 0.7 / (1 if self.stacked else len(bars))
            for i, v in enumerate(s.values):
                if not v:
                    continue
                x = plot.left() + step * i + step * 0.15 + (0 if self.stacked else k * width)
                y0 = base[i] if self.stacked else 0.0
                rect = QRectF(x, y_of(y0 + v), width, y_of(y0) - y_of(y0 + v))
                p.fillRect(rect, QColor(s.color))
                if self.stacked:
                    base[i] += v
        for s in self.series:
            if s.kind != "line":
                continue
            path, started = QPainterPath(), False
            p.setPen(QPen(QColor(s.color), 2))
            for i, v in enumerate(s.values):
                if v is None:
                    started = False
                    continue
                pt = QPointF(plot.left() + step * (i + 0.5), y_of(v))
                if started:
                    path.lineTo(pt)
                else:
                    path.moveTo(pt)
                    started = True
                p.drawEllipse(pt, 2.5, 2.5)
            p.drawPath(path)
        if self.target is not None:
            pen = QPen(QColor("#dc2626"), 1, Qt.PenStyle.DashLine)
            p.setPen(pen)
            y = y_of(self.target)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        p.end()
