"""The practice view: pick a script, call the simulated prospect, watch the conversation and
the coach's flags as they happen; the call is stored in the library as practice.

The call is a CallSession like any other (calling.practice.run builds it from the app's
parts, `setup()`), so it is stored as it goes through the app's single writer. The run
happens on a named worker thread ("practice-run"); its events land in a deque that a 10 Hz
QTimer drains into the transcript (the UI polls at human rates).
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from calling.practice.script import SCRIPTS_DIR, ScriptError, load_script

COLORS = {"said": "#1f2937", "heard": "#2563eb", "flag": "#b45309", "info": "#6b7280"}


class PracticeView(QWidget):
    def __init__(
        self,
        client: Any,
        setup: Callable[[], Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`client`: the app's EngineClient; `setup()` gives the practice call's session parts
        (calling.practice.run.PracticeSetup: the app's writer, library folder, speech model,
        semantic layer and the rep's settings), read at each start; None: nothing stored."""
        super().__init__(parent)
        self.client, self.setup = client, setup
        self._events: collections.deque = collections.deque()
        self.thread: threading.Thread | None = None
        self.scripts = []
        for path in sorted(SCRIPTS_DIR.glob("*.yaml")):
            try:
                self.scripts.append(load_script(path))
            except ScriptError as e:
                self._events.append({"event": "info", "text": str(e)})
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 16, 16, 16)
        title = QLabel("Practice a call")
        title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        lay.addWidget(title)
        row = QHBoxLayout()
        self.choice = QComboBox()
        for s in self.scripts:
            self.choice.addItem(f"{s.title} — {s.prospect_name}, {s.company}")
        self.choice.currentIndexChanged.connect(self._describe)
        self.start_button = QPushButton("Call the prospect")
        self.start_button.clicked.connect(self.start)
        row.addWidget(self.choice, 1)
        row.addWidget(self.start_button)
        lay.addLayout(row)
        self.description = QLabel("")
        self.description.setObjectName("Hint")
        self.description.setWordWrap(True)
        lay.addWidget(self.description)
        self.transcript = QListWidget()
        self.transcript.setWordWrap(True)
        self.transcript.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        lay.addWidget(self.transcript, 1)
        self.status = QLabel("")
        self.status.setObjectName("Hint")
        lay.addWidget(self.status)
        self._describe(0)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._drain)
        self.timer.start()

    def _describe(self, index: int) -> None:
        if 0 <= index < len(self.scripts):
            path = self.scripts[index].path
            import yaml

            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            self.description.setText(str(data.get("description", "")).strip())

    def start(self) -> None:
        if self.thread is not None and self.thread.is_alive():
            return
        from calling.practice.run import PracticeRun, PracticeSetup

        script = self.scripts[self.choice.currentIndex()]
        setup = self.setup() if self.setup is not None else PracticeSetup()
        run = PracticeRun(script, self.client, setup, self._events.append)
        self.transcript.clear()
        self.start_button.setEnabled(False)
        self.status.setText(f"Calling {script.prospect_name}…")
        self.thread = threading.Thread(
            target=self._run, args=(run,), name="practice-run", daemon=True
        )
        self.thread.start()

    def _run(self, run: Any) -> None:
        try:
            path = run.run()
            text = f"The prospect hung up (path: {' → '.join(path)})."
            if run.stored is not None:
                text += f" Stored in the library as practice call {run.stored}."
            elif run.setup.store is None:
                text += " It was not stored: the call history is unavailable."
            if run.warning:
                text += f" {run.warning}"
        except Exception as e:  # noqa: BLE001 - shown as a sentence
            text = f"The practice call failed: {e}"
        self._events.append({"event": "done", "text": text})

    def _drain(self) -> None:
        while self._events:
            e = self._events.popleft()
            kind = e["event"]
            if kind == "said":
                self._add(f"Prospect: {e['text']}", "said")
            elif kind == "heard":
                self._add(f"You (as heard): {e['text'] or '…silence…'}", "heard")
            elif kind == "flag":
                self._add(f"Coach — {e['kind'].replace('_', ' ')}: {e['suggestion']}", "flag")
            elif kind in ("done", "info"):
                self.status.setText(e["text"])
                self.start_button.setEnabled(True)

    def _add(self, text: str, kind: str) -> None:
        from PySide6.QtGui import QColor

        item = QListWidgetItem(text)
        item.setForeground(QColor(COLORS[kind]))
        self.transcript.addItem(item)
        self.transcript.scrollToBottom()
