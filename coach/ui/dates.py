"""Dates in the screens' filters, in the system locale's short form with a 4-digit year.

Qt's short format for en_US is "M/d/yy" (two-digit year) and for the C locale, which many
Linux sessions and CI machines run in, "d MM yyyy" — no separators, so "5 11 2026" does not
read as a date. `date_format` keeps the locale's order and separators, widens the year, and
falls back to ISO 8601 (2026-11-05) when the locale has no separators or is C.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import QDateEdit


def date_format(locale: QLocale | None = None) -> str:
    """The QDateEdit display format for `locale` (default: the system's)."""
    locale = locale or QLocale.system()
    fmt = locale.dateFormat(QLocale.FormatType.ShortFormat)
    if locale.language() == QLocale.Language.C or not re.search(r"[^dMy\s]", fmt):
        return "yyyy-MM-dd"
    if "yyyy" not in fmt:
        fmt = fmt.replace("yy", "yyyy")
    return fmt


def date_edit(date: QDate) -> QDateEdit:
    """A date field with a calendar pop-up showing dates the way this user writes them."""
    edit = QDateEdit(date)
    edit.setLocale(QLocale.system())
    edit.setDisplayFormat(date_format())
    edit.setCalendarPopup(True)
    return edit
