"""The Calling page: pick a call list (or import one), start or resume a power-dialing session
on it and work it in the queue view; the practice partner is one button away.

The queue (`calling.dialer_queue.DialerQueue`) dials with the app's running engine, writes
through the app's single StoreWriter and reads on a read-only connection of its own (practice
stores its calls through the same writer). Its calls are handed
to the call controller as they start (`CallController.show_queue_call`): a CallSession takes
the call over on the queue's call row, the Phone page shows the live call view and the coach
runs, and a call on the Phone page is refused while a queue call is up (and the other way
round). The page's headless parts (the lists' rows, `QueueClient`, where a queue call
records, the practice setup) are calling_parts.py's.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.calling_parts import QueueClient, list_rows, practice_setup, record_path
from calling.queue_next import IN_CALL
from softphone.errors import SoftphoneError

log = logging.getLogger(__name__)


FIRST_HINT = "Import a call list (CSV or a spreadsheet paste), pick it and start dialing."
NO_LISTS = (
    "No call lists yet. Press Import list… to load a CSV file or paste rows from a spreadsheet "
    "(name, phone, company), then Start dialing. No list at hand? Practice a call rehearses "
    "with a simulated prospect."
)


class CallingPage(QWidget):
    def __init__(self, services: Any, settings: Any, controller: Any = None,
                 window: Any = None, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.sv, self.settings, self.controller, self.main = services, settings, controller, window
        self.uri_template: str | None = None  # e.g. "sip:{number}@pbx"; None = the account
        self.queue: Any = None
        self.view: Any = None
        self.practice: Any = None
        self.rows: list[dict] = []
        self._adopted: str | None = None  # the engine call the controller shows for us
        self._showing_coach = False
        self._select_id: int | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        top = QHBoxLayout()
        title = QLabel("Calling")
        title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        top.addWidget(title)
        self.lists = QComboBox()
        self.lists.setMinimumWidth(280)
        self.lists.currentIndexChanged.connect(self._update_buttons)
        top.addWidget(self.lists, 1)
        self.import_button = QPushButton("Import list…")
        self.import_button.clicked.connect(self.open_import)
        self.start_button = QPushButton("Start dialing")
        self.start_button.clicked.connect(self.start_session)
        self.end_button = QPushButton("End session")
        self.end_button.clicked.connect(self.end_session)
        self.practice_button = QPushButton("Practice a call")
        self.practice_button.clicked.connect(self.toggle_practice)
        for b in (self.import_button, self.start_button, self.end_button, self.practice_button):
            top.addWidget(b)
        lay.addLayout(top)
        self.coach_box = QCheckBox("Show the live coach during calls")
        self.coach_box.setChecked(True)
        self.coach_box.setToolTip("Switch to the Phone page while a call is up, back after it.")
        lay.addWidget(self.coach_box)
        self.stack = QStackedWidget()
        self.hint = QLabel("")
        self.hint.setObjectName("Hint")
        self.hint.setWordWrap(True)
        self.stack.addWidget(self.hint)
        lay.addWidget(self.stack, 1)
        self._say(FIRST_HINT)
        self._update_buttons()
        self.refresh_lists()

    # ---- lists ----

    def _say(self, sentence: str) -> None:
        self.hint.setText(sentence)
        if self.queue is None and self.stack.currentWidget() is not self.practice:
            self.stack.setCurrentWidget(self.hint)

    def refresh_lists(self, select_id: int | None = None) -> None:
        self._select_id = select_id
        self.sv.read(list_rows, self._show_lists)

    def _show_lists(self, rows: list[dict]) -> None:
        keep = self._select_id or (self.current_list() or {}).get("id")
        self.rows = rows
        self.lists.blockSignals(True)
        self.lists.clear()
        for r in rows:
            worked = r["worked"] or 0
            resume = " · session open" if r["session_id"] else ""
            self.lists.addItem(f"{r['name']} — {worked}/{r['entries']} worked{resume}", r["id"])
        index = next((i for i, r in enumerate(rows) if r["id"] == keep), len(rows) - 1)
        self.lists.setCurrentIndex(max(index, 0) if rows else -1)
        self.lists.blockSignals(False)
        self._update_buttons()
        # no session running: say what to do next, without covering a sentence about the
        # import or the session just ended
        if self.queue is None and not rows:
            self._say(NO_LISTS)
        elif self.queue is None and self.hint.text() in (NO_LISTS, FIRST_HINT):
            self._say("Pick a list and press Start dialing (Resume continues an open session).")

    def current_list(self) -> dict | None:
        i = self.lists.currentIndex()
        return self.rows[i] if 0 <= i < len(self.rows) else None

    def _update_buttons(self) -> None:
        active = self.queue is not None
        row = self.current_list()
        self.lists.setEnabled(not active)
        self.import_button.setEnabled(not active)
        self.start_button.setEnabled(not active and row is not None)
        self.start_button.setText("Resume" if row and row["session_id"] else "Start dialing")
        self.end_button.setEnabled(active)

    def open_import(self) -> Any:
        """The import dialog (window-modal, not blocking); the list is selected once imported."""
        from calling.ui.list_import import ListImportDialog

        dialog = ListImportDialog(self._import, self.settings.default_region or "US", self)
        dialog.resize(820, 560)
        dialog.accepted.connect(
            lambda: self.refresh_lists(getattr(dialog.result_value, "list_id", None))
        )
        dialog.open()
        return dialog

    def _import(self, preview: Any, name: str) -> Any:
        from calling import calllists

        if self.sv.store is None:
            self._say("Call history is unavailable, so the list cannot be imported.")
            return None
        region = self.settings.default_region or "US"
        try:  # through the app's single writer; a big list takes a moment, the dialog waits
            res = self.sv.store.call(calllists.import_preview, preview, name, region=region,
                                     timeout=120)  # fmt: skip
        except Exception as e:
            log.exception("importing the list failed")
            self._say(f"The list could not be imported: {e}")
            return None
        self._say(f"Imported {res.imported} contacts into {name!r}; {len(res.rejected)} rows "
                  "rejected. Start dialing when ready.")  # fmt: skip
        return res

    # ---- the session ----

    def start_session(self) -> None:
        """Start (or resume the open session of) the chosen list with the running engine."""
        from calling.calling_hours import CallingWindow
        from calling.dialer_queue import DialerQueue
        from coach.library.queries import flags_on_calls
        from softphone.numbers import normalise

        row = self.current_list()
        if row is None or self.queue is not None:
            return
        engine = self.sv.engine
        if engine is None or not self.sv.engine_ready.is_set():
            self._say("The phone engine is still starting — try again in a moment.")
            return
        region = self.settings.default_region or "US"
        try:
            window = CallingWindow.parse(self.settings.calling_hours or "8-20")
        except ValueError as e:
            self._say(f"Calling hours in Settings: {e}")
            return
        acct = self.settings.account()
        account_id = None
        if self.uri_template:
            uri_for: Any = self.uri_template
        elif acct is not None and acct.server:
            server, account_id = acct.server, acct.id
            uri_for = lambda n: normalise(n, region).uri(server)
        else:
            self._say("Add a SIP account in Settings to dial phone numbers.")
            return
        if self.sv.store is None:
            self._say("Call history is unavailable, so the session cannot be saved.")
            return
        client = QueueClient(engine, self._controller_busy)
        try:  # the queue writes through the app's single writer and reads on its own
            q = DialerQueue(self.sv.store, client, row["id"],
                            session_id=row["session_id"], rep=self.settings.rep_name,
                            window=window, uri_for=uri_for, account_id=account_id,
                            earlier_flags=flags_on_calls)  # fmt: skip
            client.record_for = lambda: record_path(q)
            q.add_listener(self._on_queue_event)
            q.start()
        except (ValueError, SoftphoneError) as e:
            self._say(str(e))
            return
        from calling.ui.queue_view import QueueView

        self.queue = q
        self.view = QueueView(q, region)
        self.stack.addWidget(self.view)
        self.stack.setCurrentWidget(self.view)
        self.practice_button.setText("Practice a call")
        self.view.setFocus()
        self._update_buttons()

    def end_session(self) -> None:
        """Leave the session as it is (paused if unfinished; resume it later)."""
        q, view = self.queue, self.view
        if q is None:
            return
        self.queue = self.view = None
        try:
            if q.state in IN_CALL:  # the call ends first; its outcome is chosen on resume
                q.hangup()
                q.wait_for("wrap_up", "ready", "paused", "waiting", "finished", timeout=10)
            if q.state != "finished":
                q.pause()
        except (RuntimeError, TimeoutError, ValueError) as e:
            log.info("pausing the queue: %s", e)
        q.stop()
        if view is not None:
            view.timer.stop()
            self.stack.removeWidget(view)
            view.deleteLater()
        self._say("The session is saved; pick a list and resume it whenever you like.")
        self._update_buttons()
        self.refresh_lists()

    def shutdown(self) -> None:
        if self.practice is not None:
            self.practice.timer.stop()
        self.end_session()

    # ---- the controller shows the queue's calls ----

    def _controller_busy(self) -> bool:
        c = self.controller
        return c is not None and c.busy(except_call=self._adopted)

    def _on_queue_event(self, event: Any) -> None:
        """On the queue's worker thread: hand what the GUI needs over to it."""
        q = self.queue
        if q is None:
            return
        if event.state == "dialing" and q.engine_call and event.card is not None:
            from calling import history

            call = history.get_call(q.db, q.call_db_id)
            args = (q.engine_call, event.card.phone, event.card.name, call and call["uuid"])
            self.sv.bridge.call_soon(self._adopt, *args)
        elif event.state == "connected":
            self.sv.bridge.call_soon(self._connected)
        elif event.state not in IN_CALL:
            self.sv.bridge.call_soon(self._release, event.sentence)

    def _adopt(self, call_id: str, number: str, name: str, uuid: str | None) -> None:
        c, q = self.controller, self.queue
        if c is None or q is None or q.engine_call != call_id:
            return
        if c.show_queue_call(call_id, uuid, number, name):
            self._adopted = call_id

    def _connected(self) -> None:
        if self._adopted and self.controller is not None:
            self.controller.queue_call_connected(self._adopted)
        if self._adopted and self.coach_box.isChecked() and self.main is not None:
            self._showing_coach = True
            self.main.show_page("phone")

    def _release(self, sentence: str) -> None:
        c, adopted = self.controller, self._adopted
        self._adopted = None
        if c is not None and adopted:
            c.release_queue_call(adopted, sentence)  # if its disconnected event came first
        if self._showing_coach and self.main is not None:
            self._showing_coach = False
            self.main.show_page("calling")  # the outcome is chosen here
            if self.view is not None:
                self.view.setFocus()

    # ---- practice ----

    def toggle_practice(self) -> None:
        if self.practice is not None and self.stack.currentWidget() is self.practice:
            back = self.view if self.view is not None else self.hint
            self.stack.setCurrentWidget(back)
            self.practice_button.setText("Practice a call")
            return
        if self.practice is None:
            if self.sv.engine is None or not self.sv.engine_ready.is_set():
                self._say("The phone engine is still starting — try again in a moment.")
                return
            self.practice = self._build_practice()
            self.stack.addWidget(self.practice)
        self.stack.setCurrentWidget(self.practice)
        self.practice_button.setText("Back to calling")

    def _build_practice(self) -> Any:
        from calling.ui.practice_view import PracticeView

        return PracticeView(self.sv.engine, practice_setup(self.sv, self.settings))
