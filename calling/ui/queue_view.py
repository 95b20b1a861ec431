"""The power-dialing view: the next contact's card with its suggested opener, one key per
action (Enter dials, a letter per disposition), and the session's live counters.

Drives a `calling.dialer_queue.DialerQueue`. The queue's listener runs on the queue's
worker thread, so it only stores the latest event and sets a dirty flag; a 10 Hz QTimer
redraws from it (the UI polls at human rates) and refreshes the counters every 2 s.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, QTime, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from calling.queue_store import KEYS
from softphone.numbers import pretty

LABELS = {
    "connected": "Connected",
    "meeting_booked": "Meeting booked",
    "not_interested": "Not interested",
    "voicemail_left": "Voicemail left",
    "no_answer": "No answer",
    "busy": "Busy",
    "wrong_number": "Wrong number",
    "call_back": "Call back at",
}
STATES = {
    "ready": "Ready to dial",
    "dialing": "Dialing…",
    "ringing": "Ringing…",
    "connected": "On the call",
    "wrap_up": "Choose the outcome",
    "paused": "Paused",
    "waiting": "Waiting for calling hours",
    "finished": "List finished",
}
COUNTERS = (
    ("dials", "Dials"),
    ("connects", "Connects"),
    ("conversations", "Conversations"),
    ("meetings", "Meetings"),
    ("voicemails", "Voicemails"),
    ("dials_per_hour", "Dials / hour"),
)


def _label(text: str = "", name: str | None = None, wrap: bool = False) -> QLabel:
    lab = QLabel(text)
    if name:
        lab.setObjectName(name)
    lab.setWordWrap(wrap)
    return lab


class QueueView(QWidget):
    """The queue with its contact card, disposition keys and counters."""

    def __init__(self, queue: Any, region: str = "US", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue, self.region = queue, region
        self._lock = threading.Lock()
        self._dirty = True
        self._last_counters = 0.0
        self.errors: list[str] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 16, 16, 16)
        lay.setSpacing(10)
        top = QHBoxLayout()
        self.state = _label("", "QueueState")
        self.state.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.sentence = _label("", "Hint", wrap=True)
        top.addWidget(self.state)
        top.addWidget(self.sentence, 1)
        lay.addLayout(top)
        lay.addWidget(self._build_card())
        lay.addLayout(self._build_actions())
        lay.addWidget(self._build_counters())
        lay.addStretch(1)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        queue.add_listener(self._on_queue_event)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._refresh)
        self.timer.start()
        self._refresh()

    # ---- building ----

    def _build_card(self) -> QWidget:
        card = QWidget()
        card.setObjectName("ContactCard")
        card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        v = QVBoxLayout(card)
        v.setContentsMargins(16, 12, 16, 12)
        self.name = _label("", "ContactName")
        self.sub = _label("", "Hint")
        self.action = _label("", "ContactFact", wrap=True)
        self.opener = _label("", "Opener", wrap=True)
        self.opener.setStyleSheet(
            "background: #eef6ff; border: 1px solid #bfdbfe; border-radius: 8px;"
            " padding: 8px; font-size: 11pt;"
        )
        self.history = _label("", "ContactFact", wrap=True)
        for w in (self.name, self.sub, self.action, _label("Suggested opener", "Hint")):
            v.addWidget(w)
        v.addWidget(self.opener)
        v.addWidget(self.history)
        return card

    def _build_actions(self) -> QGridLayout:
        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        self._keys: dict[str, Any] = {}
        self.dial = self._button("Dial  ⏎", self._do(lambda: self.queue.dial()), "return")
        self.hang = self._button("Hang up  H", self._do(lambda: self.queue.hangup()), "H")
        self.skip = self._button("Skip  S", self._do(lambda: self.queue.skip()), "S")
        self.pause = self._button("Pause  P", self._do(self._toggle_pause), "P")
        for col, b in enumerate((self.dial, self.hang, self.skip, self.pause)):
            grid.addWidget(b, 0, col)
        self.callback_time = QTimeEdit(QTime.currentTime().addSecs(3600))
        self.callback_time.setDisplayFormat("HH:mm")
        self.callback_time.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        for i, (key, disp) in enumerate(KEYS.items()):
            b = self._button(f"{LABELS[disp]}  {key.upper()}", self._do(self._dispose(disp)), key)
            self.buttons[disp] = b
            grid.addWidget(b, 1 + i // 4, i % 4)
        grid.addWidget(self.callback_time, 3, 3)
        return grid

    def _button(self, text: str, slot: Any, key: str) -> QPushButton:
        b = QPushButton(text)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the view, not to a button
        b.clicked.connect(slot)
        self._keys[key.lower()] = slot
        return b

    def keyPressEvent(self, event: Any) -> None:
        key = "return" if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) else event.text()
        slot = self._keys.get(key.lower())
        if slot is not None and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            slot()
        else:
            super().keyPressEvent(event)

    def _build_counters(self) -> QWidget:
        box = QWidget()
        grid = QGridLayout(box)
        self.counter_labels: dict[str, tuple[QLabel, QLabel]] = {}
        grid.addWidget(_label("Session", "Hint"), 1, 0)
        grid.addWidget(_label("Today", "Hint"), 2, 0)
        for col, (key, title) in enumerate(COUNTERS, 1):
            grid.addWidget(_label(title, "Hint"), 0, col)
            pair = (_label("0"), _label("0"))
            for row, lab in enumerate(pair, 1):
                lab.setStyleSheet("font-size: 13pt; font-weight: bold;")
                grid.addWidget(lab, row, col)
            self.counter_labels[key] = pair
        return box

    # ---- actions ----

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.setFocus()  # so Enter and the letter keys reach the view

    def _do(self, fn: Any) -> Any:
        def run() -> None:
            try:
                fn()
            except (ValueError, RuntimeError) as e:  # a sentence for the rep, not a crash
                self.errors.append(str(e))
                self.sentence.setText(str(e))
            self._dirty = True

        return run

    def _dispose(self, disposition: str) -> Any:
        def run() -> None:
            callback_at = None
            if disposition == "call_back":
                t = self.callback_time.time()
                now = datetime.now()
                at = now.replace(hour=t.hour(), minute=t.minute(), second=0, microsecond=0)
                callback_at = (at if at > now else at + timedelta(days=1)).timestamp()
            self.queue.dispose(disposition, callback_at=callback_at)

        return run

    def _toggle_pause(self) -> None:
        if self.queue.state == "paused":
            self.queue.resume()
        else:
            self.queue.pause()

    def _on_queue_event(self, event: Any) -> None:
        with self._lock:
            self._dirty = True

    # ---- drawing (GUI thread) ----

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._last_counters > 2.0 or self._dirty:
            self._last_counters = now
            self._show_counters()
        with self._lock:
            if not self._dirty:
                return
            self._dirty = False
        q = self.queue
        self.state.setText(STATES.get(q.state, q.state))
        self.sentence.setText(q.sentence)
        self._show_card(q.card)
        in_call = q.state in ("dialing", "ringing", "connected")
        self.dial.setEnabled(q.state == "ready")
        self.hang.setEnabled(in_call)
        self.skip.setEnabled(q.state in ("ready", "paused"))
        self.pause.setText("Resume  P" if q.state == "paused" else "Pause  P")
        for disp, b in self.buttons.items():
            b.setEnabled(q.state in ("wrap_up", "connected", "ringing", "dialing", "ready"))
            b.setProperty("suggested", disp == q.suggested)
            b.setStyleSheet("font-weight: bold;" if disp == q.suggested else "")

    def _show_card(self, card: Any) -> None:
        if card is None:
            for w in (self.name, self.sub, self.action, self.opener, self.history):
                w.setText("")
            return
        self.name.setText(card.name)
        sub = [card.company, pretty(card.phone, self.region), f"local time {card.local_time}"]
        self.sub.setText(" · ".join(x for x in sub if x))
        action = card.last_action
        if action and card.last_action_date:
            action += f" ({card.last_action_date})"
        self.action.setText(f"Last action: {action}" if action else "No recorded action.")
        self.opener.setText(card.opener)
        lines = []
        calls = len(card.earlier_calls)
        if calls:
            last = card.earlier_calls[0]
            when = datetime.fromtimestamp(last["started_at"]).strftime("%b %-d")
            outcome = (last["disposition"] or "no outcome").replace("_", " ")
            plural = "s" if calls != 1 else ""
            lines.append(f"{calls} earlier call{plural} · last on {when}: {outcome}")
        else:
            lines.append("First call to this contact.")
        lines += [f"Note: {n}" for n in card.notes[:2]]
        lines += [
            f"Flagged last time: {f['kind'].replace('_', ' ')} — “{f['text']}”"
            for f in card.flags[:3]
        ]
        lines.append(f"Attempts on this list: {card.attempts}")
        self.history.setText("\n".join(lines))

    def _show_counters(self) -> None:
        try:
            session, today = self.queue.counters(), self.queue.day_counters()
        except (RuntimeError, TimeoutError):
            return
        for key, (s_lab, d_lab) in self.counter_labels.items():
            s_lab.setText(self._counter(session, key))
            d_lab.setText(self._counter(today, key))

    @staticmethod
    def _counter(values: dict, key: str) -> str:
        # A rate over the first minutes says nothing: show it after five minutes of dialing.
        if key == "dials_per_hour" and values.get("hours", 0.0) < 5 / 60:
            return "—"
        return f"{values[key]:.0f}" if key == "dials_per_hour" else str(values[key])
