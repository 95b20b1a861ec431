"""What the window does: dial, answer, hang up, hold, mute, DTMF, transfer — and what it shows.

A call is a headless `calling.session.CallSession`: it writes the history row, records, runs
the live coach and ends the call. This controller only starts one per call (dialled, ringing,
or handed over by the dialer queue through `show_queue_call`) and shows it: the session's
events reach it through the bridge (by type), its partials, levels and metrics are polled at
~15 Hz (how the page shows them is `app.call_view`'s). Engine commands run on the
`engine-commands` worker and history reads on the `ui-io` worker, so nothing here waits on
SIP, audio, Vosk or SQLite. One call at a time is shown; a second incoming call while busy is
declined with 486 (busy here). The controller holds a `CallView` and tells it which call is on
screen; it never reaches into the view's state, nor the view into its.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject

from app import history_rows
from app.call_view import CallView
from app.ringer import Ringer
from app.settings import Settings
from calling.session import CallSession
from softphone.numbers import number_from_uri
from softphone.protocol import EngineCrashed

log = logging.getLogger(__name__)


class CallController(QObject):
    def __init__(self, window: Any, bridge: Any, services: Any, settings: Settings) -> None:
        super().__init__(window)
        self.w, self.bridge, self.sv, self.settings = window, bridge, services, settings
        self.page = window.phone
        self.session: CallSession | None = None  # the call on screen, until it disconnects
        self._ending: dict[str, CallSession] = {}  # disconnected, still writing its rows
        self.view = CallView(window, bridge, services, settings, lambda: self.session, self)
        self.ringer = Ringer()

        b = bridge
        b.sessionStateChanged.connect(self._on_session_state)
        b.callEnded.connect(self._on_call_ended)
        b.incomingCall.connect(self._on_incoming)
        b.engineCrashed.connect(self._on_engine_crashed)
        b.problemOccurred.connect(self._on_problem)
        b.dialRequested.connect(self.dial_text)

        d, c = self.page.dialer, self.page.controls
        d.dialRequested.connect(self.dial)
        c.hangupClicked.connect(self.hangup)
        c.muteToggled.connect(lambda on: self._command(lambda e: e.set_mute(on)))
        c.holdToggled.connect(self._hold)
        c.dtmfPressed.connect(lambda k: self._on_call(lambda e, cid: e.send_dtmf(cid, k)))
        c.transferRequested.connect(self._transfer)
        c.reviewRequested.connect(self.review_last_call)
        window.hangupKey.connect(self.hangup)
        window.muteKey.connect(c.toggle_mute)
        window.holdKey.connect(c.toggle_hold)
        window.digitKey.connect(c.send_digit)
        window.incoming.answered.connect(self.answer)
        window.incoming.rejected_call.connect(self.reject)
        self.page.coach.cardDismissed.connect(self._on_dismissed)
        window.settings_page.saved.connect(self._on_settings_saved)
        self._apply_live_kinds()
        self.refresh_history()

    # -- what is on screen -----------------------------------------------------------------
    @property
    def state(self) -> str:
        """The state of the call on screen ("idle" when there is none)."""
        return self.session.state if self.session is not None else "idle"

    @property
    def call_id(self) -> str | None:
        """The engine's id of the call on screen."""
        return self.session.call_id if self.session is not None else None

    @property
    def db_uuid(self) -> str | None:
        """The history row of the call on screen."""
        return self.session.uuid if self.session is not None else None

    @property
    def last_uuid(self) -> str | None:
        """The call that ended last (for "Review this call")."""
        return self.view.last_uuid

    def busy(self, except_call: str | None = None) -> bool:
        """Is a call (other than `except_call`) on screen?"""
        return self.session is not None and self.session.call_id != except_call

    def _mine(self, event: Any) -> bool:
        return self.session is not None and event.call == self.session.uuid

    # -- commands --------------------------------------------------------------------------
    def _command(self, fn: Any, on_error: Any = None) -> None:
        engine = self.sv.engine
        if engine is None or not self.sv.engine_ready.is_set():
            self._on_problem("The phone engine is still starting — try again in a moment.")
            return
        self.sv.commands.submit(lambda: fn(engine), None, on_error or self._on_problem)

    def _on_call(self, fn: Any) -> None:
        cid = self.call_id
        if cid is not None:
            self._command(lambda e: fn(e, cid))

    def _report(self, fut: Future) -> None:
        """A session command's failure becomes a sentence in the status bar."""

        def done(f: Future) -> None:
            e = f.exception()
            if e is not None:
                from app.tasks import sentence_for

                self.bridge.problem(sentence_for(e))

        fut.add_done_callback(done)

    def _new_session(self) -> CallSession:
        from app.db import data_dir

        sv = self.sv
        session = CallSession(
            sv.engine,
            store=sv.store,
            data_dir=data_dir() if sv.store is not None else None,
            model=lambda: sv.model,  # it may finish loading before the call connects
            semantic=sv.semantic_layer,
            coach_settings=self.settings,
            rep=self.settings.rep_name,
        )
        session.add_listener(self.bridge.post)
        self.session = session
        return session

    def dial_text(self, text: str) -> None:
        """A tel:/sip: handed over by another process (or a test)."""
        self.w.show_page("phone")
        self.page.dialer.set_number(text)
        self.page.dialer.dial()

    def dial(self, target: Any, name: str) -> None:
        if self.session is not None:
            self._on_problem("Finish the current call before dialling another.")
            return
        acct = self.settings.account()
        uri = target.uri(acct.server if acct else None)
        if not uri:
            self._on_problem("Add a SIP account in Settings to dial phone numbers.")
            return
        if self.sv.engine is None or not self.sv.engine_ready.is_set():
            self._on_problem("The phone engine is still starting — try again in a moment.")
            return
        number = target.dial
        session = self._new_session()
        self.view.show_call(number, name, "calling")
        self.page.dialer.clear()  # the list below goes back to recents for the next call
        acct_id = acct.id if acct and not target.is_uri else None
        session.dial(uri, number, name, acct_id)  # a failure ends the session with a sentence

    def show_queue_call(self, call_id: str, uuid: str | None, number: str, name: str) -> bool:
        """Show (and coach) a call the dialer queue placed, on the queue's history row.
        False when another call is on screen."""
        if self.session is not None:
            return False
        self._new_session().adopt(call_id, uuid, number, name)
        self.view.show_call(number, name, "calling")
        return True

    def queue_call_connected(self, call_id: str) -> None:
        """The queue saw its call connect (the session may have been handed it too late to)."""
        if self.session is not None and self.session.call_id == call_id:
            self.session.mark_connected()

    def release_queue_call(self, call_id: str, sentence: str) -> None:
        """The queue is done with its call: if it is still on screen, it ends now."""
        if self.session is not None and self.session.call_id == call_id:
            self.session.end(sentence or "Call ended.")

    def answer(self, call_id: str) -> None:
        self.ringer.stop()
        if self.session is not None and self.session.call_id == call_id:
            self._report(self.session.answer())

    def reject(self, call_id: str) -> None:
        self.ringer.stop()
        if self.session is not None and self.session.call_id == call_id:
            self._report(self.session.reject(486))
        else:
            self._command(lambda e: e.reject(call_id, 486))

    def hangup(self) -> None:
        if self.w.incoming.isVisible():
            self.w.incoming.reject()
            return
        if self.session is not None:
            self._report(self.session.hangup())

    def _hold(self, on: bool) -> None:
        self._on_call(lambda e, cid: e.hold(cid) if on else e.resume(cid))

    def _transfer(self, text: str) -> None:
        from softphone.numbers import normalise

        acct = self.settings.account()
        uri = normalise(text, self.settings.default_region).uri(acct.server if acct else None)
        if not uri:
            self._on_problem("That transfer target cannot be dialled; check the number.")
            return
        self._on_call(lambda e, cid: e.transfer(cid, uri))

    def shutdown(self) -> None:
        """At exit: end the call on screen and any still writing; no session thread is left."""
        self.view.stop()
        sessions = [s for s in (self.session, *self._ending.values()) if s is not None]
        self.session = None
        self._ending.clear()
        for s in sessions:
            s.remove_listener(self.bridge.post)
            s.end("Call Coach closed.")
            s.close()

    # -- a call that ended ----------------------------------------------------------------
    def _disconnected(self) -> None:
        """The call is over on screen; its session finishes writing in the background."""
        session, self.session = self.session, None
        self.view.call_over(session.uuid if session is not None else None)
        self.sv.io.submit(self.ringer.stop)
        if session is not None:
            self._ending[session.uuid] = session

    def _on_session_state(self, ev: Any) -> None:
        if not self._mine(ev):
            return
        self.view.show_state(ev.state, ev.sentence)
        if ev.state == "disconnected":
            self._disconnected()

    def _on_call_ended(self, ev: Any) -> None:
        session = self._ending.pop(ev.call, None)
        if session is None:
            return
        self.sv.io.submit(session.close, lambda _: self.refresh_history())

    # -- incoming, status ------------------------------------------------------------------
    def _on_incoming(self, ev: Any) -> None:
        if self.session is not None:
            self._command(lambda e: e.reject(ev.call_id, 486))
            return
        number = number_from_uri(ev.remote_uri)
        name = ev.display_name or self.page.dialer.contact_name_for(number)
        self._new_session().ring(ev.call_id, number, name, ev.remote_uri)
        self.view.show_call(number, name, "incoming")
        self.w.incoming.ring(ev.call_id, name, number)
        self.w.tray.incoming(name, number)
        self.ringer.start(self.settings.ring_device)

    def _on_engine_crashed(self, ev: Any) -> None:
        reason = getattr(ev, "reason", "") or "The phone engine stopped."
        self.w.status.set_registration("Phone engine stopped — restarting…", "bad")
        if self.session is not None:
            self.session.end(reason)
        self._on_problem(reason)
        if isinstance(ev, EngineCrashed) and self.sv.engine is not None:
            # the window, coach and history carry on; the engine comes back with its accounts
            self.sv.commands.submit(self.sv.phone.restart_engine)

    def _on_problem(self, sentence: str) -> None:
        self.view.show_problem(sentence)

    def _on_dismissed(self, flag: Any, count: int) -> None:
        self.settings.dismissals[flag.kind] = count
        self.sv.io.submit(lambda: _save_quietly(self.settings))

    def _on_settings_saved(self, settings: Settings) -> None:
        self.page.dialer.set_region(settings.default_region)
        self.page.coach.feed.repeat_window = settings.card_repeat_seconds
        self._apply_live_kinds()
        engine = self.sv.engine
        if engine is None:
            return
        if self.session is None and self.sv.phone.engine_config_changed():
            # transport, SRTP or devices changed: the engine restarts (between calls only)
            self.w.status.set_registration("Applying the new phone settings…", "warn")
            self.sv.commands.submit(self.sv.phone.apply_engine_config, None, self._on_problem)
            return
        for acct in self.sv.phone.account_configs():
            self._command(lambda e, a=acct: e.add_account(a))

    def _apply_live_kinds(self) -> None:
        from coach.types import FLAG_KINDS

        live = set(self.settings.live_flags or FLAG_KINDS)
        self.page.coach.set_hidden_kinds(set(FLAG_KINDS) - live)

    def review_last_call(self) -> None:
        """Open the Review screen on the call that just ended."""
        if not self.last_uuid or "review" not in self.w.nav_buttons:
            self._on_problem("The review screen is not available in this build.")
            return
        self.w.show_page("review")
        screen = self.w.pages.get("review")
        if screen is not None and hasattr(screen, "open_call_uuid"):
            screen.open_call_uuid(self.last_uuid)

    def refresh_history(self) -> None:
        self.sv.read(history_rows.recent, self.page.dialer.set_recent)
        self.sv.read(history_rows.contacts, self.page.dialer.set_contacts)


def _save_quietly(settings: Settings) -> None:
    from app.settings import save_settings

    try:
        save_settings(settings)
    except OSError:
        log.warning("settings could not be saved", exc_info=True)
