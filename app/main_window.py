"""The main window: a navigation rail, the pages (phone, review, coaching, settings), the
status bar and the keyboard shortcuts. Composition only; the controller does the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.phone_page import PhonePage
from app.settings import Settings
from app.settings_page import SettingsPage
from softphone.protocol import TALKING_STATES
from softphone.ui.incoming import IncomingCallWindow, TrayNotifier
from softphone.ui.status_bar import CallStatusBar
from softphone.ui.theme import icon

log = logging.getLogger(__name__)

_KEYPAD_MOD = Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier


class MainWindow(QMainWindow):
    hangupKey = Signal()
    muteKey = Signal()
    holdKey = Signal()
    digitKey = Signal(str)

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.setWindowTitle("Call Coach")
        self.setWindowIcon(icon("phone-app", "#1f2937", 64))
        self.setMinimumSize(1100, 640)
        self.settings = settings
        root = QWidget()
        row = QHBoxLayout(root)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.rail = QWidget()
        self.rail.setObjectName("NavRail")
        self.rail.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.rail.setFixedWidth(84)
        rail = QVBoxLayout(self.rail)
        rail.setContentsMargins(0, 14, 0, 14)
        rail.setSpacing(4)
        mark = QLabel("Call\nCoach")
        mark.setObjectName("AppMark")
        mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        rail.addWidget(mark)
        rail.addSpacing(12)
        self.stack = QStackedWidget()
        self.nav = QButtonGroup(self)
        self.nav.setExclusive(True)
        self.pages: dict[str, QWidget] = {}
        self._factories: dict[str, Callable[[], QWidget]] = {}
        self.nav_buttons: dict[str, QToolButton] = {}

        self.phone = PhonePage(
            settings.default_region,
            settings.monologue_seconds or 120.0,
            settings.card_repeat_seconds,
            settings.dismissals,
        )
        self.settings_page = SettingsPage(settings)
        self.add_page("phone", "Phone", "phone", self.phone)
        self._rail_layout = rail
        rail.addStretch(1)
        self.add_page("settings", "Settings", "settings", self.settings_page, bottom=True)
        row.addWidget(self.rail)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(root)

        self.status = CallStatusBar()
        self.setStatusBar(self.status)
        self.incoming = IncomingCallWindow(self)
        self.tray = TrayNotifier(self)
        self._shortcuts()
        QApplication.instance().installEventFilter(self)
        self.show_page("phone")

    def add_page(
        self, key: str, label: str, ic: str, page: QWidget | Callable[[], QWidget],
        bottom: bool = False,
    ) -> None:  # fmt: skip
        """Add a page and its rail button; `page` may be a factory, built on first show (so the
        review and coaching screens cost nothing at start-up)."""
        b = QToolButton()
        b.setText(label)
        b.setIcon(icon(ic, "#9ca3af"))
        b.setIconSize(QSize(22, 22))
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        b.setCheckable(True)
        b.setFixedSize(72, 60)
        b.setToolTip(label)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.clicked.connect(lambda: self.show_page(key))
        self.nav.addButton(b)
        lay = self.rail.layout()
        if bottom or not hasattr(self, "_rail_layout"):
            lay.addWidget(b, 0, Qt.AlignmentFlag.AlignHCenter)
        else:
            lay.insertWidget(lay.count() - 2, b, 0, Qt.AlignmentFlag.AlignHCenter)
        self.nav_buttons[key] = b
        if isinstance(page, QWidget):
            self.pages[key] = page
            self.stack.addWidget(page)
        else:
            self._factories[key] = page

    def page(self, key: str) -> QWidget | None:
        """The page for key, building a lazy one now; None if it cannot be built."""
        if key not in self.pages and key in self._factories:
            try:
                built = self._factories.pop(key)()
            except Exception:  # the phone must keep working if a screen fails to build
                log.exception("the %s screen could not be built", key)
                self.statusBar().showMessage(f"The {key} screen could not be opened.", 8000)
                return None
            self.pages[key] = built
            self.stack.addWidget(built)
        return self.pages.get(key)

    def show_page(self, key: str) -> None:
        page = self.page(key)
        if page is None:
            return
        self.stack.setCurrentWidget(page)
        self.nav_buttons[key].setChecked(True)
        for k, b in self.nav_buttons.items():  # the checked one gets a white icon
            b.setIcon(icon(self._icon_of(k), "#ffffff" if k == key else "#9ca3af"))
        if key == "phone":
            self.phone.dialer.field.setFocus()

    def _icon_of(self, key: str) -> str:
        return {"phone": "phone", "settings": "settings", "review": "history",
                "coaching": "chart"}.get(key, "coach")  # fmt: skip

    def _shortcuts(self) -> None:
        def bind(seq: str, fn) -> None:
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.ApplicationShortcut)
            sc.activated.connect(fn)

        bind("Esc", self.hangupKey.emit)
        bind("Ctrl+D", self.hangupKey.emit)
        bind("Ctrl+M", self.muteKey.emit)
        bind("Ctrl+H", self.holdKey.emit)

    def eventFilter(self, obj, event) -> bool:
        """Digits typed anywhere in this window during a call are touch tones."""
        if (
            event.type() == QEvent.Type.KeyPress
            and self.phone.controls.state in TALKING_STATES
            and self.stack.currentWidget() is self.phone
            and isinstance(obj, QWidget)
            and obj.window() is self
        ):
            text = event.text()
            if text and text in "0123456789*#" and not event.modifiers() & ~_KEYPAD_MOD:
                self.digitKey.emit(text)
                return True
        return super().eventFilter(obj, event)
