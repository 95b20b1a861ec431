"""What the window does: dial, answer, hang up, hold, mute, DTMF, transfer — and what it shows.

Connects the bridge's signals to the widgets and the widgets' requests to the engine. Every
engine command runs on the `engine-commands` worker and every history read on the `ui-io`
worker, so nothing here waits on SIP, audio, Vosk or SQLite. One call at a time is shown; a
second incoming call while busy is declined with 486 (busy here).
"""

from __future__ import annotations

import logging
import time
import uuid as uuidlib
from typing import Any

from PySide6.QtCore import QObject, QTimer

from app import history_rows
from app.call_records import (
    finalize_recording,
    finish_row,
    mark_connected,
    save_session,
    set_recording,
    start_call_row,
)
from app.live_session import LiveSession, make_coach
from app.ringer import Ringer
from app.settings import Settings
from coach.library.store import record_live
from softphone.ui.numbers import number_from_uri

log = logging.getLogger(__name__)

LIVE_STATES = ("calling", "ringing", "early", "connected", "held", "incoming")


class CallController(QObject):
    def __init__(self, window: Any, bridge: Any, services: Any, settings: Settings) -> None:
        super().__init__(window)
        self.w, self.bridge, self.sv, self.settings = window, bridge, services, settings
        self.page = window.phone
        self.call_id: str | None = None  # the engine's id of the call on screen
        self.pending_dial = False  # make_call sent, id not back yet
        self.db_uuid: str | None = None
        self.last_uuid: str | None = None  # the call that ended last (for "Review this call")
        self.remote = ("", "")  # (number or uri, name)
        self.previous_calls: int | None = None
        self.session: LiveSession | None = None
        self.state = "idle"
        self.poll = QTimer(self)
        self.poll.setInterval(66)  # ~15 Hz: partials, gauges, levels
        self.poll.timeout.connect(self._poll)
        self.ringer = Ringer()

        b = bridge
        b.callStateChanged.connect(self._on_call_state)
        b.callMediaChanged.connect(self._on_media)
        b.incomingCall.connect(self._on_incoming)
        b.engineCrashed.connect(self._on_engine_crashed)
        b.utteranceFinalized.connect(self._on_utterance)
        b.flagRaised.connect(self._on_flag)
        b.positiveMarked.connect(self.page.coach.add_positive)
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

    def dial_text(self, text: str) -> None:
        """A tel:/sip: handed over by another process (or a test)."""
        self.w.show_page("phone")
        self.page.dialer.set_number(text)
        self.page.dialer.dial()

    def dial(self, target: Any, name: str) -> None:
        if self.state in LIVE_STATES:
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
        self._begin_call(number, name, "calling", "outbound", uri)
        self.page.dialer.clear()  # the list below goes back to recents for the next call
        self.pending_dial = True
        acct_id = acct.id if acct and not target.is_uri else None

        def started(call_id: str) -> None:
            self.pending_dial = False
            if self.call_id is None and self.state in LIVE_STATES:
                self.call_id = call_id

        def failed(sentence: str) -> None:
            self.pending_dial = False
            self._ended(sentence, status="failed")

        record = self._record_path()
        self.sv.commands.submit(
            lambda: self.sv.engine.make_call(uri, acct_id, record), started, failed
        )

    def answer(self, call_id: str) -> None:
        self.ringer.stop()
        self.call_id = call_id
        record = self._record_path()
        self._command(lambda e: e.answer(call_id, record))

    def _record_path(self) -> str | None:
        """Where the engine writes this call's stereo WAV (converted to FLAC after the call)."""
        if self.sv.store is None or not self.db_uuid:
            return None
        from app.db import data_dir

        path = data_dir() / "recordings" / f"live-{self.db_uuid}.wav"
        path.parent.mkdir(mode=0o700, exist_ok=True)
        self.sv.store.submit(set_recording, self.db_uuid, str(path))
        return str(path)

    def reject(self, call_id: str) -> None:
        self.ringer.stop()
        self._command(lambda e: e.reject(call_id, 486))
        if self.call_id == call_id:
            self._ended("You declined the call.")

    def hangup(self) -> None:
        if self.w.incoming.isVisible():
            self.w.incoming.reject()
            return
        if self.state not in LIVE_STATES:
            return
        if self.call_id is None:
            self._ended("Call cancelled.")
            return
        self._on_call(lambda e, cid: e.hangup(cid))

    def _hold(self, on: bool) -> None:
        self._on_call(lambda e, cid: e.hold(cid) if on else e.resume(cid))

    def _transfer(self, text: str) -> None:
        from softphone.ui.numbers import normalise

        acct = self.settings.account()
        uri = normalise(text, self.settings.default_region).uri(acct.server if acct else None)
        if not uri:
            self._on_problem("That transfer target cannot be dialled; check the number.")
            return
        self._on_call(lambda e, cid: e.transfer(cid, uri))

    # -- call view -------------------------------------------------------------------------
    def _begin_call(self, number: str, name: str, state: str, direction: str, uri: str) -> None:
        self.state = state
        self.remote = (number, name)
        self.previous_calls = None
        self.page.transcript.clear()
        self.page.coach.reset()
        self.page.contact.hide()
        self.page.controls.show_call(name, number)
        self.page.controls.set_state(state)
        self.page.show_call_view(True)
        self.db_uuid = str(uuidlib.uuid4())
        if self.sv.store is not None:
            self.sv.store.submit(start_call_row, self.db_uuid, direction, number, uri, name,
                                 time.time(), self.settings.rep_name)  # fmt: skip
        self.sv.read(lambda db: history_rows.summary(db, number, name), self._show_summary)

    def _show_summary(self, summary: Any) -> None:
        if summary.number != self.remote[0]:
            return
        self.previous_calls = summary.previous_calls
        if summary.name and not self.remote[1]:
            self.remote = (self.remote[0], summary.name)
            self.page.controls.show_call(summary.name, self.remote[0])
            self.page.controls.set_state(self.state)
        self.page.contact.show_summary(summary, self.settings.default_region)
        self.page.contact.show()
        if self.w.incoming.isVisible():
            calls = summary.previous_calls
            earlier = f"{calls} earlier call{'s' if calls != 1 else ''} · " if calls else ""
            self.w.incoming.history.setText(earlier + summary.last_talked_sentence())
            if summary.name:
                self.w.incoming.caller.setText(summary.name)
                self.w.incoming.caller.setStyleSheet("")
                self.w.incoming.uri.setText(summary.number)

    def _on_media(self, ev: Any) -> None:
        if ev.call_id == self.call_id and ev.security:
            self.page.controls.set_security(ev.security, ev.srtp)

    def _on_call_state(self, ev: Any) -> None:
        if self.call_id is None and (self.pending_dial or self.state in LIVE_STATES):
            self.call_id = ev.call_id
        if ev.call_id != self.call_id:
            return
        state = ev.state
        if ev.direction == "incoming" and state in ("calling", "ringing", "early"):
            state = "incoming"  # the rep's side of a ringing inbound call
        self.state = state
        self.page.controls.set_state(state, ev.sentence)
        if ev.state == "connected":
            if self.db_uuid and self.sv.store is not None:
                self.sv.store.submit(mark_connected, self.db_uuid, time.time())
            self._start_session()
        elif ev.state == "disconnected":
            self._ended(ev.sentence, ev.status_code, ev.reason)

    def _ended(self, sentence: str, code: int | None = None, reason: str = "",
               status: str | None = None) -> None:  # fmt: skip
        self.state = "disconnected"
        self.page.controls.set_state("disconnected", sentence)
        self.w.incoming.hide()
        self.sv.io.submit(self.ringer.stop)
        self.call_id = None
        self.poll.stop()
        session, self.session = self.session, None
        uuid, self.db_uuid = self.db_uuid, None
        self.last_uuid = uuid or self.last_uuid
        store = self.sv.store

        def finish() -> None:
            if session is not None:
                session.stop()
            if uuid and store is not None:
                store.submit(finish_row, uuid, time.time(), code, reason, status)
                store.submit(finalize_recording, uuid)
                if session is not None and session.persist is None:
                    store.submit(save_session, uuid, session)
                store.flush(10)  # so the recents read that follows sees this call

        self.sv.io.submit(finish, lambda _: self.refresh_history())
        if session is not None:
            self.page.transcript.set_partials({})

    def _start_session(self) -> None:
        if self.session is not None or self.sv.engine is None:
            return
        kinds = set(self.settings.live_flags) or None
        persist = None
        if self.sv.store is not None and self.db_uuid:
            store, uuid = self.sv.store, self.db_uuid

            def persist(**rows: Any) -> None:  # on the live-coach thread, as results come
                store.submit(record_live, uuid, **rows)

        session = LiveSession(
            self.sv.engine, self.bridge, model=self.sv.model, live_kinds=kinds, persist=persist
        )
        self.session = session
        settings, previous = self.settings, self.previous_calls
        semantic = self.sv.semantic_layer()  # None while it loads: the rules alone

        def start() -> float:
            session.coach, limit = make_coach(settings, previous, semantic)
            session.start()
            return limit

        self.sv.io.submit(start, lambda limit: self._session_started(session, limit))
        self.poll.start()

    def _session_started(self, session: LiveSession, monologue_limit: float) -> None:
        self.page.coach.gauges.monologue_limit = monologue_limit
        if session.error:
            self._on_problem(session.error)
        elif self.sv.model is None:
            self.page.transcript.empty.setText(
                "The live transcript is off until the speech model is installed (Settings)."
            )

    def _poll(self) -> None:
        s = self.session
        if s is None:
            return
        snap = s.snapshot()
        self.page.transcript.set_partials(snap["partials"])
        self.page.controls.set_levels(snap["levels"])
        m = snap["metrics"]
        if m:
            mono = float(m.get("current_monologue_seconds") or 0.0)
            monos = m.get("monologues") or []
            if (
                mono
                and monos
                and snap["partials"].get("rep")
                and not snap["partials"].get("prospect")
            ):  # the rep is still talking: let the timer run between coach ticks
                mono += max(0.0, snap["call_time"] - float(monos[-1]["end"]))
            self.page.coach.update_metrics(m, mono)

    def _on_utterance(self, u: Any) -> None:
        self.page.transcript.add_final(u.speaker, u.text, u.start)

    def _on_flag(self, f: Any) -> None:
        if self.page.coach.add_flag(f):
            self.page.transcript.mark_flagged(f.speaker, f.start)

    # -- incoming, status ------------------------------------------------------------------
    def _on_incoming(self, ev: Any) -> None:
        if self.state in LIVE_STATES:
            self._command(lambda e: e.reject(ev.call_id, 486))
            return
        number = number_from_uri(ev.remote_uri)
        name = ev.display_name or self.page.dialer.contact_name_for(number)
        self.call_id = ev.call_id
        self._begin_call(number, name, "incoming", "inbound", ev.remote_uri)
        self.w.incoming.ring(ev.call_id, name, number)
        self.w.tray.incoming(name, number)
        self.ringer.start(self.settings.ring_device)

    def _on_engine_crashed(self, ev: Any) -> None:
        reason = getattr(ev, "reason", "") or "The phone engine stopped."
        self.w.status.set_registration("Phone engine stopped — restarting…", "bad")
        if self.state in LIVE_STATES:
            self._ended(reason)
        self._on_problem(reason)
        if type(ev).__name__ == "EngineCrashed" and self.sv.engine is not None:
            # the window, coach and history carry on; the engine comes back with its accounts
            self.sv.commands.submit(self.sv.restart_engine)

    def _on_problem(self, sentence: str) -> None:
        log.info("shown to the rep: %s", sentence)
        self.w.statusBar().showMessage(sentence, 8000)
        if self.state not in LIVE_STATES:
            self.page.idle.show_last_call(sentence)

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
        if self.state not in LIVE_STATES and self.sv.engine_config_changed():
            # transport, SRTP or devices changed: the engine restarts (between calls only)
            self.w.status.set_registration("Applying the new phone settings…", "warn")
            self.sv.commands.submit(self.sv.apply_engine_config, None, self._on_problem)
            return
        for acct in self.sv.account_configs():
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
