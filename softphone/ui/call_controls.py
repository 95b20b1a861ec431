"""The call header and controls: who, state, timer, SIP reason; hang up, hold, mute, DTMF, transfer.

Fed plain values by the app layer (`show_call`, `set_state`); emits what the rep asked for.
The timer counts from the moment the call connected, using a 4 Hz QTimer (human rate).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from softphone.protocol import LIVE_STATES, TALKING_STATES
from softphone.ui.keypad import Keypad
from softphone.ui.theme import icon, repolish

STATE_WORDS = {
    "calling": ("Calling…", "warn"),
    "ringing": ("Ringing…", "warn"),
    "early": ("Ringing…", "warn"),
    "incoming": ("Incoming call", "warn"),
    "connected": ("Connected", "good"),
    "held": ("On hold", "warn"),
    "disconnected": ("Call ended", "bad"),
}


class CallControls(QWidget):
    hangupClicked = Signal()
    muteToggled = Signal(bool)
    holdToggled = Signal(bool)
    dtmfPressed = Signal(str)
    transferRequested = Signal(str)
    reviewRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.state = "idle"
        self.connected_at: float | None = None
        self.ended_after: float | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.setSpacing(10)

        head = QHBoxLayout()
        who = QVBoxLayout()
        who.setSpacing(2)
        self.name = QLabel("No call")
        self.name.setObjectName("CallName")
        self.number = QLabel("")
        self.number.setObjectName("CallNumber")
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        who.addWidget(self.name)
        who.addWidget(self.number)
        meters = QHBoxLayout()
        meters.setSpacing(6)
        self.meters: dict[str, QProgressBar] = {}
        for key, label in (("rep", "You"), ("prospect", "Them")):
            tag = QLabel(label)
            tag.setProperty("role", "hint")
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setTextVisible(False)
            bar.setFixedSize(70, 5)
            bar.setToolTip(f"{'Your' if key == 'rep' else 'Their'} audio level")
            meters.addWidget(tag)
            meters.addWidget(bar)
            self.meters[key] = bar
        meters.addStretch(1)
        who.addLayout(meters)
        head.addLayout(who, 1)
        right = QVBoxLayout()
        right.setSpacing(2)
        self.timer_label = QLabel("0:00")
        self.timer_label.setObjectName("CallTimer")
        self.timer_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.state_label = QLabel("")
        self.state_label.setObjectName("CallState")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.security = QLabel("")  # lock label: is this call's audio encrypted?
        self.security.setObjectName("CallSecurity")
        self.security.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.security.hide()
        right.addWidget(self.timer_label)
        right.addWidget(self.state_label)
        right.addWidget(self.security)
        head.addLayout(right)
        outer.addLayout(head)

        # what happened to the call's audio: the headset unplugged/back, the recording stopped
        self.audio_note = QLabel("")
        self.audio_note.setObjectName("CallAudioNote")
        self.audio_note.setWordWrap(True)
        self.audio_note.hide()
        self._notes: dict[str, tuple[str, str]] = {}  # topic -> (sentence, tone)
        outer.addWidget(self.audio_note)

        ended = QHBoxLayout()
        self.reason = QLabel("")
        self.reason.setObjectName("CallReason")
        self.reason.setWordWrap(True)
        self.reason.hide()
        ended.addWidget(self.reason, 1)
        self.review = QPushButton("Review this call")
        self.review.setProperty("role", "primary")
        self.review.setToolTip("Open the transcript, flags and scorecard of this call")
        self.review.clicked.connect(self.reviewRequested)
        self.review.hide()
        ended.addWidget(self.review)
        outer.addLayout(ended)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.mute = self._control("mic", "Mute", "Mute your microphone (Ctrl+M)", checkable=True)
        self.mute.toggled.connect(self._on_mute)
        self.hold = self._control("pause", "Hold", "Put the call on hold (Ctrl+H)", checkable=True)
        self.hold.toggled.connect(self._on_hold)
        self.keys = self._control("keypad", "Keypad", "Send touch tones", checkable=True)
        self.keys.toggled.connect(lambda on: self.dtmf_pad.setVisible(on))
        self.transfer = self._control("transfer", "Transfer", "Transfer the call")
        self.transfer.clicked.connect(self._ask_transfer)
        for b in (self.mute, self.hold, self.keys, self.transfer):
            bar.addWidget(b)
        bar.addStretch(1)
        self.hangup = QPushButton("  Hang up")
        self.hangup.setProperty("role", "hangup")
        self.hangup.setIcon(icon("hangup", "#ffffff"))
        self.hangup.setIconSize(QSize(20, 20))
        self.hangup.setToolTip("Hang up (Esc or Ctrl+D)")
        self.hangup.clicked.connect(self.hangupClicked)
        bar.addWidget(self.hangup)
        outer.addLayout(bar)

        self.dtmf_pad = Keypad()
        self.dtmf_pad.setMaximumHeight(170)
        self.dtmf_pad.pressed.connect(self._dtmf)
        self.dtmf_pad.hide()
        self.dtmf_sent = QLabel("")
        self.dtmf_sent.setProperty("role", "hint")
        self.dtmf_sent.hide()
        outer.addWidget(self.dtmf_pad)  # hidden widgets take no room in a box layout
        outer.addWidget(self.dtmf_sent)

        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._update_timer)
        self.set_state("idle")

    def _control(self, ic: str, text: str, tip: str, checkable: bool = False) -> QPushButton:
        b = QPushButton(f" {text}")
        b.setProperty("role", "control")
        b.setIcon(icon(ic, "#374151"))
        b.setIconSize(QSize(18, 18))
        b.setToolTip(tip)
        b.setCheckable(checkable)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return b

    # -- data in -------------------------------------------------------------------------
    def show_call(self, name: str, number: str) -> None:
        self.name.setText(name or number or "Unknown caller")
        self.number.setText(number if name else "")
        self.connected_at = None
        self.ended_after = None
        self.dtmf_sent.setText("")
        self.dtmf_sent.hide()
        for b in (self.mute, self.hold, self.keys):
            b.blockSignals(True)
            b.setChecked(False)
            b.blockSignals(False)
        self.mute.setIcon(icon("mic", "#374151"))
        self.dtmf_pad.hide()
        self.security.hide()  # unknown until the call's media is up
        self._notes.clear()
        self._show_notes()
        self._update_timer()

    def set_security(self, text: str, encrypted: bool) -> None:
        """Show whether the call is encrypted, e.g. "Encrypted (SRTP)" or "Not encrypted"."""
        self.security.setText(("\U0001f512 " if encrypted else "\U0001f513 ") + text)
        self.security.setProperty("tone", "good" if encrypted else "warn")
        self.security.setToolTip(
            "The call's audio is encrypted (SRTP)."
            if encrypted
            else "The call's audio is not encrypted: the other side did not accept SRTP."
        )
        repolish(self.security)
        self.security.show()

    def set_audio_note(self, topic: str, sentence: str, tone: str = "warn") -> None:
        """One sentence per topic ("headset", "recording") about the call's audio, e.g. "The
        headset was unplugged: the call goes on through Built-in Audio."; a later sentence on
        the same topic replaces the earlier one."""
        self._notes[topic] = (sentence, tone)
        self._show_notes()

    def _show_notes(self) -> None:
        notes = [n for n in self._notes.values() if n[0]]
        self.audio_note.setText("\n".join(s for s, _ in notes))
        tone = "warn" if any(t != "good" for _, t in notes) else "good"
        self.audio_note.setProperty("tone", tone)
        repolish(self.audio_note)
        self.audio_note.setVisible(bool(notes))

    def set_state(self, state: str, sentence: str = "") -> None:
        self.state = state
        words, tone = STATE_WORDS.get(state, ("", "idle"))
        self.state_label.setText(words)
        self.state_label.setProperty("tone", tone)
        repolish(self.state_label)
        if state == "connected" and self.connected_at is None:
            self.connected_at = time.monotonic()
        if state == "disconnected" and self.connected_at is not None and self.ended_after is None:
            self.ended_after = time.monotonic() - self.connected_at
        self.reason.setText(sentence)
        self.reason.setVisible(bool(sentence) and state == "disconnected")
        self.review.setVisible(state == "disconnected" and self.connected_at is not None)
        live = state in LIVE_STATES
        in_call = state in TALKING_STATES
        self.hangup.setEnabled(live)
        for b in (self.mute, self.hold, self.keys, self.transfer):
            b.setEnabled(in_call)
        if state == "held" and not self.hold.isChecked():
            self.hold.blockSignals(True)
            self.hold.setChecked(True)
            self.hold.blockSignals(False)
        if live:
            self._tick.start()
        else:
            self._tick.stop()
            self.dtmf_pad.hide()
            self.set_levels({})
        self._update_timer()

    def set_levels(self, levels: dict[str, float]) -> None:
        """Audio levels in dBFS (polled at ~15 Hz); -60 dB and below reads as empty."""
        for key, bar in self.meters.items():
            db = levels.get(key, -120.0)
            bar.setValue(int(max(0.0, min(1.0, (db + 60.0) / 60.0)) * 100))

    def elapsed(self) -> float:
        if self.connected_at is None:
            return 0.0
        if self.ended_after is not None:
            return self.ended_after
        return time.monotonic() - self.connected_at

    # -- behaviour -----------------------------------------------------------------------
    def _update_timer(self) -> None:
        secs = int(self.elapsed())
        h, rest = divmod(secs, 3600)
        text = f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
        self.timer_label.setText(text)

    def _on_mute(self, on: bool) -> None:
        self.mute.setText(" Unmute" if on else " Mute")
        self.mute.setIcon(icon("mic-off" if on else "mic", "#92400e" if on else "#374151"))
        self.muteToggled.emit(on)

    def _on_hold(self, on: bool) -> None:
        self.hold.setText(" Resume" if on else " Hold")
        self.hold.setIcon(icon("play" if on else "pause", "#92400e" if on else "#374151"))
        self.holdToggled.emit(on)

    def _dtmf(self, key: str) -> None:
        if key == "+":
            key = "0"
        self.dtmf_sent.setText((self.dtmf_sent.text() + key)[-24:])
        self.dtmf_sent.show()
        self.dtmfPressed.emit(key)

    def send_digit(self, key: str) -> None:
        """A digit typed on the keyboard during a call."""
        if self.state in TALKING_STATES:
            self._dtmf(key)

    def toggle_mute(self) -> None:
        if self.mute.isEnabled():
            self.mute.toggle()

    def toggle_hold(self) -> None:
        if self.hold.isEnabled():
            self.hold.toggle()

    def _ask_transfer(self) -> None:
        uri, ok = QInputDialog.getText(self, "Transfer call", "Transfer to (number or sip:)")
        if ok and uri.strip():
            self.transferRequested.emit(uri.strip())
