"""Settings pages for the phone: SIP account (password to the keyring) and audio devices.

Pages show and return plain dicts; the app layer saves them (JSON settings, keyring) and
restarts what needs restarting. The input level meter is polled at 15 Hz from a callable the
app supplies; the test tone is requested by signal so the page never touches PortAudio.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from uikit.forms import combo, form_box, hint, page_layout, select, thin_bar

TRANSPORTS = (("UDP", "udp"), ("TCP", "tcp"), ("TLS (encrypted signalling)", "tls"))
SRTP = (
    ("Off", "disabled"),
    ("When the other side supports it", "optional"),
    ("Always (calls fail without it)", "mandatory"),
)
# The headset buffer (softphone.protocol.AUDIO_BLOCK_MS), as the rep reads it.
AUDIO_BUFFERS = (
    ("10 ms - steady (default)", 10),
    ("5 ms - lower delay, needs a quiet computer", 5),
)


class AccountPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = page_layout(self)
        box, form = form_box("SIP account")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("Shown to the people you call")
        self.server = QLineEdit()
        self.server.setPlaceholderText("sip.example.com or pbx.example.com:5060")
        self.username = QLineEdit()
        self.username.setPlaceholderText("Extension or user name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Stored in the system keyring")
        self.transport = combo(TRANSPORTS)
        self.srtp = combo(SRTP)
        self.enabled = QCheckBox("Register with this account at start-up")
        self.enabled.setChecked(True)
        form.addRow("Display name", self.display_name)
        form.addRow("Server", self.server)
        form.addRow("User", self.username)
        form.addRow("Password", self.password)
        form.addRow("Transport", self.transport)
        form.addRow("Encrypt audio (SRTP)", self.srtp)
        form.addRow("", self.enabled)
        lay.addWidget(box)
        box2, form2 = form_box("You")
        self.rep_name = QLineEdit()
        self.rep_name.setPlaceholderText("Your name, as your team lead sees it in reports")
        form2.addRow("Your name", self.rep_name)
        self.region = QLineEdit()
        self.region.setMaxLength(2)
        self.region.setFixedWidth(60)
        self.region.setToolTip("Two-letter country code used for numbers without +, e.g. US, GB")
        form2.addRow("Home country", self.region)
        lay.addWidget(box2)
        self.note = hint("Passwords never touch the settings file; they live in the keyring.")
        lay.addWidget(self.note)
        lay.addStretch(1)

    def load(self, values: dict, has_password: bool = False) -> None:
        self.display_name.setText(values.get("display_name", ""))
        self.server.setText(values.get("server", ""))
        self.username.setText(values.get("username", ""))
        self.password.clear()
        self.password.setPlaceholderText(
            "Saved in the keyring — type to change" if has_password else "Not set"
        )
        select(self.transport, values.get("transport", "udp"))
        select(self.srtp, values.get("srtp", "optional"))
        self.enabled.setChecked(bool(values.get("enabled", True)))
        self.region.setText(values.get("region", "US"))
        self.rep_name.setText(values.get("rep_name", ""))

    def values(self) -> dict:
        return {
            "display_name": self.display_name.text().strip(),
            "server": self.server.text().strip(),
            "username": self.username.text().strip(),
            "transport": self.transport.currentData(),
            "srtp": self.srtp.currentData(),
            "enabled": self.enabled.isChecked(),
            "region": (self.region.text().strip() or "US").upper(),
            "rep_name": self.rep_name.text().strip(),
        }

    def new_password(self) -> str:
        """The password typed in this session ('' = keep the stored one)."""
        return self.password.text()


class AudioPage(QWidget):
    testToneRequested = Signal(str)  # output device name ('' = default)
    refreshRequested = Signal()
    meterWanted = Signal(bool)  # the page became visible / hidden: open / close the mic meter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level_fn: Callable[[], float] | None = None
        lay = page_layout(self)
        box, form = form_box("Devices")
        self.input = QComboBox()
        self.output = QComboBox()
        self.ring = QComboBox()
        form.addRow("Microphone", self.input)
        form.addRow("Headset (call audio)", self.output)
        form.addRow("Ringer", self.ring)
        self.level = thin_bar()
        form.addRow("Input level", self.level)
        buttons = QHBoxLayout()
        self.tone = QPushButton("Play test tone")
        self.tone.clicked.connect(lambda: self.testToneRequested.emit(self.output.currentData()))
        self.refresh = QPushButton("Find new devices")
        self.refresh.clicked.connect(self.refreshRequested)
        buttons.addWidget(self.tone)
        buttons.addWidget(self.refresh)
        buttons.addStretch(1)
        form.addRow("", buttons)
        lay.addWidget(box)
        box2, form2 = form_box("Delay")
        self.buffer = QComboBox()
        for text, ms in AUDIO_BUFFERS:
            self.buffer.addItem(text, ms)
        self.buffer.setToolTip(
            "A smaller buffer makes the call feel more immediate; on a busy computer it can "
            "crackle. Try 5 ms and go back to 10 ms if the other side hears clicks."
        )
        form2.addRow("Audio buffer", self.buffer)
        form2.addRow(
            "",
            hint(
                "Saved between calls, it applies from the next call (the phone restarts); "
                "saved during a call, from the next start of Call Coach."
            ),
        )
        lay.addWidget(box2)
        self.status = hint()
        lay.addWidget(self.status)
        lay.addStretch(1)
        self._poll = QTimer(self)
        self._poll.setInterval(66)  # ~15 Hz: a level meter at human rate
        self._poll.timeout.connect(self._update_level)

    def set_devices(self, inputs: list[str], outputs: list[str], chosen: dict) -> None:
        for box, names, key in (
            (self.input, inputs, "input_device"),
            (self.output, outputs, "output_device"),
            (self.ring, outputs, "ring_device"),
        ):
            box.clear()
            box.addItem("System default", "")
            for n in names:
                box.addItem(n, n)
            select(box, chosen.get(key, ""))

    def values(self) -> dict:
        return {
            "input_device": self.input.currentData() or "",
            "output_device": self.output.currentData() or "",
            "ring_device": self.ring.currentData() or "",
            "audio_block_ms": int(self.buffer.currentData() or 10),
        }

    def set_block_ms(self, ms: int) -> None:
        """Show the chosen headset buffer (10 when `ms` is not one offered)."""
        self.buffer.setCurrentIndex(max(0, self.buffer.findData(ms)))

    def set_status(self, sentence: str) -> None:
        self.status.setText(sentence)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.meterWanted.emit(True)
        self._poll.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._poll.stop()
        self.meterWanted.emit(False)
        self.level.setValue(0)

    def _update_level(self) -> None:
        if self.level_fn is None:
            return
        try:
            level = float(self.level_fn())
        except Exception:  # noqa: BLE001 - a meter that fails just reads zero
            level = 0.0
        self.level.setValue(int(max(0.0, min(1.0, level)) * 100))
