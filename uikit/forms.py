"""Settings-form helpers: one look for every settings page (margins, width, right-aligned
labels, spacing), thin progress bars, hint lines and combo boxes of (text, value) pairs."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

PAGE_MAX_WIDTH = 760


def page_layout(page: QWidget) -> QVBoxLayout:
    """The page's column: settings margins, and no wider than a form reads well."""
    lay = QVBoxLayout(page)
    lay.setContentsMargins(18, 16, 18, 16)
    page.setMaximumWidth(PAGE_MAX_WIDTH)
    return lay


def form_box(title: str) -> tuple[QGroupBox, QFormLayout]:
    """A titled group with a form of right-aligned labels."""
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
    form.setHorizontalSpacing(14)
    form.setVerticalSpacing(10)
    return box, form


def hint(text: str = "") -> QLabel:
    """A wrapped line of help text in the theme's hint style."""
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


def thin_bar() -> QProgressBar:
    """A 0..100 bar 10 px high without text (level meters, download progress)."""
    bar = QProgressBar()
    bar.setRange(0, 100)
    bar.setTextVisible(False)
    bar.setFixedHeight(10)
    return bar


def combo(pairs: Iterable[tuple[str, str]]) -> QComboBox:
    """A combo box showing each text and carrying its value as item data."""
    c = QComboBox()
    for text, value in pairs:
        c.addItem(text, value)
    return c


def select(c: QComboBox, value: str) -> None:
    """Choose the item carrying `value` (the first item when none does)."""
    c.setCurrentIndex(max(0, c.findData(value)))
