"""The status bar: SIP registration, speech model state, audio device — each a dot and a sentence."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget


class _Item(QWidget):
    def __init__(self, tip: str) -> None:
        super().__init__()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.setSpacing(0)
        self.dot = QLabel("●")
        self.dot.setObjectName("StatusDot")
        self.text = QLabel("")
        lay.addWidget(self.dot)
        lay.addWidget(self.text)
        self.setToolTip(tip)

    def set(self, text: str, tone: str) -> None:
        self.text.setText(text)
        self.dot.setProperty("tone", tone)
        self.dot.style().unpolish(self.dot)
        self.dot.style().polish(self.dot)


class CallStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.registration = _Item("SIP registration with your phone system")
        self.model = _Item("Speech model used for the live transcript")
        self.audio = _Item("Audio device used for calls")
        self.addWidget(self.registration)
        self.addWidget(self.model)
        self.addPermanentWidget(self.audio)
        self.registration.set("Starting phone engine…", "idle")
        self.model.set("Speech model: loading…", "idle")
        self.audio.set("Audio: system default", "idle")

    def set_registration(self, text: str, tone: str) -> None:
        self.registration.set(text, tone)

    def set_model(self, text: str, tone: str) -> None:
        self.model.set(text, tone)

    def set_audio(self, text: str, tone: str = "good") -> None:
        self.audio.set(text, tone)
