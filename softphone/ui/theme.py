"""Look and feel shared by the desktop widgets: the QSS theme and the SVG icons in resources/."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

import resources

STYLE_DIR = resources.path("style")
INK = "#1f2937"


def stylesheet() -> str:
    return (STYLE_DIR / "callcoach.qss").read_text(encoding="utf-8")


@lru_cache(maxsize=128)
def icon(name: str, color: str = INK, size: int = 24) -> QIcon:
    """An icon from resources/style/icons/NAME.svg with its stroke recoloured."""
    path = STYLE_DIR / "icons" / f"{name}.svg"
    try:
        svg = path.read_text(encoding="utf-8").replace(INK, color)
    except OSError:
        return QIcon()
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    result = QIcon()
    for scale in (1, 2):
        pm = QPixmap(QSize(size * scale, size * scale))
        pm.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pm)
        renderer.render(painter)
        painter.end()
        pm.setDevicePixelRatio(scale)
        result.addPixmap(pm)
    return result


def repolish(widget) -> None:
    """Re-apply the stylesheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
