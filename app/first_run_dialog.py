"""The first-run flow's window: four short steps (name, speech model, headset, phone account)
and a last page saying what is set, each step with Skip.

A non-modal dialog over the main window, so the dialer works behind it and closing it at any
point just ends the flow. It only shows and asks: the decisions are in app/first_run.py and
the slow work (model install, device scan, test tone, keyring) is done by
app/first_run_wiring.py on the app's workers. The headset and account steps are the Settings
tabs' own widgets (AudioPage with its level meter and test tone, AccountPage).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.first_run import STEP_TITLES, STEPS
from softphone.ui.settings_pages import AccountPage, AudioPage
from softphone.ui.theme import repolish


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


class NameStep(QWidget):
    def __init__(self, default: str) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("What is your name?"))
        self.field = QLineEdit(default)
        self.field.setPlaceholderText("Your name, as your team lead sees it in reports")
        lay.addWidget(self.field)
        lay.addWidget(_hint(
            "Your calls are filed under this name, so Coaching can show your own calls and a "
            "team lead can tell reps apart."
        ))  # fmt: skip
        lay.addStretch(1)


class ModelStep(QWidget):
    """Download the catalog's English model, or install a zip or a folder the rep has."""

    downloadRequested = Signal()
    installRequested = Signal(str)  # a zip or a model folder

    def __init__(self, label: str, size_mb: float | None, installed: str) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.addWidget(_hint(
            "Transcription runs on this laptop and needs a speech model. Without one, calls "
            "work but the live transcript and coach stay off."
        ))  # fmt: skip
        size = f" ({size_mb:.0f} MB)" if size_mb else ""
        self.download = QPushButton(f"Download {label}{size}")
        self.download.setProperty("role", "primary")
        self.download.clicked.connect(self.downloadRequested)
        self.from_zip = QPushButton("I have the file (.zip)…")
        self.from_zip.clicked.connect(self._pick_zip)
        self.from_folder = QPushButton("I have the folder…")
        self.from_folder.clicked.connect(self._pick_folder)
        row = QHBoxLayout()
        for b in (self.download, self.from_zip, self.from_folder):
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFixedHeight(10)
        self.progress.setTextVisible(False)
        self.progress.hide()
        lay.addWidget(self.progress)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        self.state.setObjectName("ModelStepState")
        # a wrapped label in a stacked page gets one line's height otherwise
        self.state.setMinimumHeight(self.state.fontMetrics().lineSpacing() * 4)
        self.state.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.state)
        self.installed = ""
        if installed:
            self.set_state("A speech model is already installed; nothing to do here.", installed)
        lay.addStretch(1)

    def set_state(self, sentence: str, path: str = "") -> None:
        """The ModelPage interface the install code reports to."""
        self.state.setText(sentence)
        bad = not path and not sentence.endswith("…")  # the install code's failures carry no path
        self.state.setProperty("role", "error" if bad else "ok")
        repolish(self.state)
        if path:
            self.installed = path

    def set_progress(self, fraction: float | None) -> None:
        busy = fraction is not None
        self.progress.setVisible(busy)
        for b in (self.download, self.from_zip, self.from_folder):
            b.setEnabled(not busy)
        if busy:
            self.progress.setValue(int(fraction * 100))

    def _pick_zip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Install a speech model", "", "Model archives (*.zip)"
        )
        if path:
            self.installRequested.emit(path)

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Install a speech model folder")
        if path:
            self.installRequested.emit(path)


class FirstRunDialog(QDialog):
    """Steps in a stack; `stepFinished(step, done)` for each Next/Skip; QDialog's `finished`
    when it closes (the last page's Start dialing, Set up later, or the window's close box)."""

    stepFinished = Signal(str, bool)  # step, True = done (Next), False = skipped
    directCallsChosen = Signal()

    def __init__(self, parent: QWidget, default_name: str, model_label: str,
                 model_size_mb: float | None, installed_model: str) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("FirstRun")
        self.setWindowTitle("Set up Call Coach")
        self.setModal(False)  # the dialer stays usable behind it
        self.resize(640, 460)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 18)
        self.heading = QLabel("")
        self.heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        lay.addWidget(self.heading)
        self.where = _hint("")
        lay.addWidget(self.where)
        self.stack = QStackedWidget()
        lay.addWidget(self.stack, 1)
        self.name = NameStep(default_name)
        self.model = ModelStep(model_label, model_size_mb, installed_model)
        self.headset = AudioPage()
        self.account = AccountPage()
        self.account.rep_name.parentWidget().hide()  # the name was step one
        self.account.note.setText(
            "Passwords go to the system keyring, never to a file. No account? Choose "
            "Direct calls only: you can still call sip: addresses and practise."
        )
        self.pages: dict[str, QWidget] = dict(zip(STEPS, (self.name, self.model, self.headset,
                                                          self.account)))  # fmt: skip
        for page in self.pages.values():
            self.stack.addWidget(page)
        self.last = QWidget()
        last = QVBoxLayout(self.last)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("FirstRunSummary")
        last.addWidget(self.summary)
        last.addStretch(1)
        self.stack.addWidget(self.last)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        row = QHBoxLayout()
        self.skip_all = QPushButton("Set up later")
        self.skip_all.setProperty("role", "ghost")
        self.skip_all.clicked.connect(self.close)
        row.addWidget(self.skip_all)
        row.addStretch(1)
        self.direct = QPushButton("Direct calls only")
        self.direct.clicked.connect(self.directCallsChosen)
        self.skip = QPushButton("Skip")
        self.skip.clicked.connect(lambda: self.stepFinished.emit(self.step, False))
        self.next = QPushButton("Next")
        self.next.setProperty("role", "primary")
        self.next.setDefault(True)
        self.next.clicked.connect(self._next)
        for b in (self.direct, self.skip, self.next):
            row.addWidget(b)
        lay.addLayout(row)
        self.step = ""
        self.show_step(STEPS[0])

    def show_step(self, step: str) -> None:
        self.step = step
        self.stack.setCurrentWidget(self.pages[step])
        n = STEPS.index(step) + 1
        self.heading.setText(STEP_TITLES[step])
        self.where.setText(f"Step {n} of {len(STEPS)} — skip any step and set it up later in "
                           "Settings.")  # fmt: skip
        self.direct.setVisible(step == "account")
        self.skip.setVisible(True)
        self.next.setText("Save account" if step == "account" else "Next")
        self.say("")
        if step == "name":
            self.name.field.setFocus()

    def show_summary(self, lines: list[str]) -> None:
        self.step = ""
        self.stack.setCurrentWidget(self.last)
        self.heading.setText("You're ready to call")
        self.where.setText("The dialer is behind this window; press Start dialing.")
        self.summary.setText("\n".join(lines))
        self.direct.hide()
        self.skip.hide()
        self.skip_all.hide()
        self.next.setText("Start dialing")
        self.say("")

    def _next(self) -> None:
        if not self.step:
            self.close()
        else:
            self.stepFinished.emit(self.step, True)

    def say(self, text: str, bad: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if bad else "ok")
        repolish(self.message)
