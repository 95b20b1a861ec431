"""The 12-key phone keypad (digits with their letters), used for dialling and for DTMF."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

KEYS = (
    ("1", ""), ("2", "ABC"), ("3", "DEF"),
    ("4", "GHI"), ("5", "JKL"), ("6", "MNO"),
    ("7", "PQRS"), ("8", "TUV"), ("9", "WXYZ"),
    ("*", ""), ("0", "+"), ("#", ""),
)  # fmt: skip


class Keypad(QWidget):
    """Emits `pressed(key)`; long-press on 0 gives '+' as on a phone."""

    pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        self.buttons: dict[str, QPushButton] = {}
        for i, (digit, letters) in enumerate(KEYS):
            b = QPushButton(f"{digit}\n{letters}" if letters else digit)
            b.setProperty("role", "key")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            b.setAccessibleName(f"Key {digit}")
            if letters:
                b.setStyleSheet("QPushButton { font-size: 12pt; }")
            if digit == "0":
                b.setAutoRepeat(False)
                b.pressed.connect(self._zero_down)
                b.released.connect(self._zero_up)
            else:
                b.clicked.connect(lambda _=False, d=digit: self.pressed.emit(d))
            self.buttons[digit] = b
            grid.addWidget(b, i // 3, i % 3)
        self._zero_timer_id = 0
        self._zero_long = False

    def _zero_down(self) -> None:
        self._zero_long = False
        self._zero_timer_id = self.startTimer(600)

    def timerEvent(self, event) -> None:
        if event.timerId() == self._zero_timer_id:
            self.killTimer(self._zero_timer_id)
            self._zero_timer_id = 0
            self._zero_long = True
            self.pressed.emit("+")

    def _zero_up(self) -> None:
        if self._zero_timer_id:
            self.killTimer(self._zero_timer_id)
            self._zero_timer_id = 0
        if not self._zero_long:
            self.pressed.emit("0")
