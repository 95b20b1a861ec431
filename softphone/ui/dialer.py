"""The dialer panel: number field with live normalisation, keypad, contact search, recents.

The panel only shows plain data (`ContactRow`, `RecentCall`) and emits `dialRequested`; the
app layer decides how to reach the engine. Contact search filters an in-memory list as the
rep types, so no keystroke waits on SQLite.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softphone.numbers import DialTarget, digits_key, ends_like, normalise, pretty
from softphone.ui.keypad import Keypad
from softphone.ui.rows import ContactRow, RecentCall, ago
from softphone.ui.theme import icon, repolish

_DIRECTION_ICON = {
    "outgoing": ("outgoing", "#2563eb"),
    "incoming": ("incoming", "#16a34a"),
    "missed": ("missed", "#dc2626"),
}


class DialerPanel(QWidget):
    """Emits `dialRequested(target)` with a `DialTarget` and the contact name ('' if none)."""

    dialRequested = Signal(object, str)

    def __init__(self, region: str = "US", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.region = region
        self._contacts: list[ContactRow] = []
        self._recent: list[RecentCall] = []
        self._picked_name = ""

        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 14)
        lay.setSpacing(8)
        title = QLabel("DIAL")
        title.setObjectName("PanelTitle")
        lay.addWidget(title)

        self.field = QLineEdit()
        self.field.setObjectName("NumberField")
        self.field.setPlaceholderText("Name or number")
        self.field.textChanged.connect(self._on_text)
        self.field.returnPressed.connect(self.dial)
        self.back = self.field.addAction(
            icon("backspace", "#9ca3af"), QLineEdit.ActionPosition.TrailingPosition
        )
        self.back.setToolTip("Delete last character")
        self.back.triggered.connect(self.field.backspace)
        lay.addWidget(self.field)

        self.preview = QLabel(" ")
        self.preview.setObjectName("DialPreview")
        self.preview.setWordWrap(True)
        lay.addWidget(self.preview)

        self.keypad = Keypad()
        self.keypad.pressed.connect(self._key)
        self.keypad.setMinimumHeight(170)
        self.keypad.setMaximumHeight(230)
        lay.addWidget(self.keypad, 3)

        self.call_button = QPushButton("  Call")
        self.call_button.setProperty("role", "call")
        self.call_button.setIcon(icon("phone", "#ffffff"))
        self.call_button.setIconSize(QSize(20, 20))
        self.call_button.setEnabled(False)
        self.call_button.clicked.connect(self.dial)
        lay.addWidget(self.call_button)

        self.list_title = QLabel("RECENT")
        self.list_title.setObjectName("PanelTitle")
        lay.addSpacing(4)
        lay.addWidget(self.list_title)
        self.list = QListWidget()
        self.list.setIconSize(QSize(18, 18))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._pick)
        self.list.itemClicked.connect(self._fill_from)
        lay.addWidget(self.list, 4)
        self._refresh_list()

    # -- data in -------------------------------------------------------------------------
    def set_contacts(self, contacts: list[ContactRow]) -> None:
        self._contacts = list(contacts)
        self._refresh_list()

    def set_recent(self, recent: list[RecentCall]) -> None:
        self._recent = list(recent)
        self._refresh_list()

    def set_region(self, region: str) -> None:
        self.region = region
        self._on_text(self.field.text())

    def contact_name_for(self, number: str) -> str:
        key = digits_key(number)
        for c in self._contacts:
            if c.number == number or ends_like(key, c.number):
                return c.name
        return ""

    # -- behaviour -----------------------------------------------------------------------
    def target(self) -> DialTarget:
        text = self.field.text()
        match = self._exact_contact(text)
        if match is not None:
            return normalise(match.number, self.region)
        return normalise(text, self.region)

    def dial(self) -> None:
        target = self.target()
        if not target.ok:
            if target.sentence:
                self._show_preview(target.sentence, invalid=True)
            return
        name = self._picked_name or self.contact_name_for(target.dial)
        self.dialRequested.emit(target, name)

    def set_number(self, text: str, name: str = "") -> None:
        self.field.setText(text)
        self._picked_name = name

    def clear(self) -> None:
        self.field.clear()

    def _key(self, key: str) -> None:
        self.field.insert(key)
        self.field.setFocus()

    def _exact_contact(self, text: str) -> ContactRow | None:
        t = text.strip().lower()
        if not t or any(ch.isdigit() for ch in t):
            return None
        hits = [c for c in self._contacts if c.name.lower() == t]
        return hits[0] if len(hits) == 1 else None

    def _on_text(self, text: str) -> None:
        self._picked_name = ""
        target = self.target()
        if not text.strip():
            self._show_preview(" ")
        elif target.ok and not target.sentence:
            self._show_preview(f"Dials {target.display}")
        elif target.ok:
            self._show_preview(f"Dials {target.display} — {target.sentence}", invalid=True)
        elif self._matches(text):
            self._show_preview(" ")
        else:
            self._show_preview(target.sentence, invalid=True)
        self.call_button.setEnabled(target.ok)
        self._refresh_list()

    def _show_preview(self, text: str, invalid: bool = False) -> None:
        self.preview.setText(text)
        self.preview.setProperty("invalid", "true" if invalid else "false")
        repolish(self.preview)

    def _matches(self, text: str) -> list[ContactRow]:
        t = text.strip().lower()
        if not t:
            return []
        digits = digits_key(t)
        out = []
        for c in self._contacts:
            hay = f"{c.name} {c.company}".lower()
            if t in hay or (len(digits) >= 3 and digits in digits_key(c.number)):
                out.append(c)
        return out[:30]

    def _refresh_list(self) -> None:
        self.list.clear()
        text = self.field.text() if hasattr(self, "field") else ""
        if text.strip():
            self.list_title.setText("CONTACTS")
            for c in self._matches(text):
                sub = " · ".join(x for x in (pretty(c.number, self.region), c.company) if x)
                item = QListWidgetItem(icon("user", "#6b7280"), f"{c.name}\n{sub}")
                item.setData(Qt.ItemDataRole.UserRole, (c.number, c.name))
                self.list.addItem(item)
            if self.list.count() == 0:
                self._placeholder("No matching contacts")
            return
        self.list_title.setText("RECENT")
        for r in self._recent[:50]:
            who = r.name or pretty(r.number, self.region)
            ic, color = _DIRECTION_ICON.get(r.direction, _DIRECTION_ICON["outgoing"])
            label = {"missed": "Missed", "incoming": "Incoming", "outgoing": "Outgoing"}.get(
                r.direction, r.direction.title()
            )
            dur = f" · {int(r.duration // 60)}:{int(r.duration % 60):02d}" if r.duration else ""
            item = QListWidgetItem(icon(ic, color), f"{who}\n{label} · {ago(r.when)}{dur}")
            item.setData(Qt.ItemDataRole.UserRole, (r.number, r.name))
            item.setToolTip(pretty(r.number, self.region))
            self.list.addItem(item)
        if self.list.count() == 0:
            self._placeholder("No calls yet — type a number to start")

    def _placeholder(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.list.addItem(item)

    def _fill_from(self, item: QListWidgetItem) -> None:
        data = item.data(Qt.ItemDataRole.UserRole)
        if data:
            number, name = data
            self.field.blockSignals(True)
            self.field.setText(number)
            self.field.blockSignals(False)
            self._picked_name = name
            target = self.target()
            self._show_preview(f"Dials {target.display}" if target.ok else target.sentence)
            self.call_button.setEnabled(target.ok)

    def _pick(self, item: QListWidgetItem) -> None:
        self._fill_from(item)
        self.dial()
