"""The incoming-call window (answer / reject) and the tray notification with the caller's name."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from softphone.ui.theme import icon


class IncomingCallWindow(QDialog):
    """A small always-on-top window; emits answered/rejected with the call id."""

    answered = Signal(str)
    rejected_call = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("IncomingWindow")
        self.setWindowTitle("Incoming call")
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.setModal(False)
        self.setFixedSize(380, 220)
        self.call_id = ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 20)
        lay.setSpacing(4)
        hint = QLabel("INCOMING CALL")
        hint.setStyleSheet(
            "color: #9ca3af; font-size: 8pt; font-weight: bold; letter-spacing: 1px;"
        )
        lay.addWidget(hint)
        self.caller = QLabel("")
        self.caller.setObjectName("IncomingCaller")
        self.caller.setWordWrap(True)
        self.caller.setMaximumWidth(332)
        self.uri = QLabel("")
        self.uri.setObjectName("IncomingUri")
        self.history = QLabel("")
        self.history.setObjectName("IncomingUri")
        lay.addWidget(self.caller)
        lay.addWidget(self.uri)
        lay.addWidget(self.history)
        lay.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(12)
        self.reject_button = QPushButton("  Decline")
        self.reject_button.setProperty("role", "hangup")
        self.reject_button.setIcon(icon("hangup", "#ffffff"))
        self.reject_button.setIconSize(QSize(20, 20))
        self.reject_button.clicked.connect(self._reject)
        self.answer_button = QPushButton("  Answer")
        self.answer_button.setProperty("role", "call")
        self.answer_button.setIcon(icon("phone", "#ffffff"))
        self.answer_button.setIconSize(QSize(20, 20))
        self.answer_button.setDefault(True)
        self.answer_button.clicked.connect(self._answer)
        row.addWidget(self.reject_button)
        row.addWidget(self.answer_button)
        lay.addLayout(row)

    def ring(self, call_id: str, caller: str, uri: str, history: str = "") -> None:
        self.call_id = call_id
        self.caller.setText(caller or uri)
        self.caller.setStyleSheet("" if caller else "font-size: 13pt;")  # a URI is long
        self.uri.setText(uri if caller else "Not in your contacts")
        self.history.setText(history)
        self.show()
        self.raise_()
        self.activateWindow()

    def _answer(self) -> None:
        self.hide()
        self.answered.emit(self.call_id)

    def _reject(self) -> None:
        self.hide()
        self.rejected_call.emit(self.call_id)

    def reject(self) -> None:  # Esc on the dialog declines the call
        if self.isVisible() and self.call_id:
            self._reject()
        else:
            super().reject()


class TrayNotifier:
    """Tray icon with a balloon for incoming calls; silently absent where no tray exists."""

    def __init__(self, parent: QWidget) -> None:
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("phone-app", "#1f2937", 32), parent)
            self.tray.setToolTip("Call Coach")
            self.tray.show()
        self.last_message = ""

    def incoming(self, caller: str, uri: str) -> None:
        self.last_message = f"{caller or uri} is calling"
        if self.tray is not None:
            self.tray.showMessage(
                "Incoming call", self.last_message, QSystemTrayIcon.MessageIcon.Information, 15000
            )

    def hide(self) -> None:
        if self.tray is not None:
            self.tray.hide()
