"""The phone page: dialer on the left, the call in the middle, the coach on the right.

Composition only: the widgets come from softphone/ui and coach/ui; behaviour lives in
`app.call_controller`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from coach.ui.coach_panel import CoachPanel
from coach.ui.transcript import LiveTranscript
from softphone.ui.call_controls import CallControls
from softphone.ui.contact_card import ContactCard
from softphone.ui.dialer import DialerPanel

SHORTCUTS = (
    ("Enter", "dial"),
    ("Esc / Ctrl+D", "hang up"),
    ("Ctrl+M", "mute"),
    ("Ctrl+H", "hold"),
    ("0–9 * #", "touch tones in a call"),
)


class IdleView(QWidget):
    """What the middle shows between calls."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("Panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(32, 28, 32, 28)
        lay.setSpacing(10)
        lay.addStretch(1)
        self.title = QLabel("Ready to call")
        self.title.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle = QLabel("Type a number or a name, or pick a recent call.")
        self.subtitle.setObjectName("Hint")
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle.setWordWrap(True)
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)
        self.last_call = QLabel("")
        self.last_call.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.last_call.setWordWrap(True)
        self.last_call.setProperty("role", "error")
        self.last_call.hide()
        lay.addWidget(self.last_call)
        lay.addSpacing(18)
        keys = QLabel(
            "<table cellspacing='6' align='center'>"
            + "".join(
                f"<tr><td align='right'><b>{k}</b></td><td style='color:#6b7280'>{v}</td></tr>"
                for k, v in SHORTCUTS
            )
            + "</table>"
        )
        keys.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(keys)
        lay.addStretch(2)

    def show_last_call(self, sentence: str) -> None:
        self.last_call.setText(sentence)
        self.last_call.setVisible(bool(sentence))


class PhonePage(QWidget):
    def __init__(
        self,
        region: str = "US",
        monologue_limit: float = 45.0,
        repeat_window: float = 30.0,
        dismissals: dict | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("Canvas")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 12, 12, 12)
        row.setSpacing(12)

        self.dialer = DialerPanel(region)
        self.dialer.setMinimumWidth(280)
        self.dialer.setMaximumWidth(360)
        row.addWidget(self.dialer, 3)

        self.middle = QStackedWidget()
        self.idle = IdleView()
        self.call_view = QWidget()
        mid = QVBoxLayout(self.call_view)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.setSpacing(12)
        self.controls = CallControls()
        self.contact = ContactCard()
        self.contact.hide()
        self.transcript = LiveTranscript()
        mid.addWidget(self.controls)
        mid.addWidget(self.contact)
        mid.addWidget(self.transcript, 1)
        self.middle.addWidget(self.idle)
        self.middle.addWidget(self.call_view)
        row.addWidget(self.middle, 5)

        self.coach = CoachPanel(monologue_limit, repeat_window, dismissals)
        self.coach.setMinimumWidth(290)
        self.coach.setMaximumWidth(420)
        row.addWidget(self.coach, 3)

    def show_call_view(self, on: bool) -> None:
        self.middle.setCurrentWidget(self.call_view if on else self.idle)
