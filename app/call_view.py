"""What the Phone page shows of the call on screen: its caller and what the history knows of
them, the live transcript, the coach's cards and gauges (polled from the session at ~15 Hz),
the call's security and audio notices, and the sentences of what went wrong.

`CallView` owns what is shown (the caller, the call last on screen, the poll timer) and
listens to the bridge for the events it shows. Which session is on screen is
`app.call_controller.CallController`'s to decide: the view asks it through the `on_screen`
callable it is given, and is told when a call goes (`call_over`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

from app import history_rows

if TYPE_CHECKING:
    from calling.session import CallSession

log = logging.getLogger(__name__)


class CallView(QObject):
    """Shows the call `on_screen()` returns (None: no call) on the window's Phone page."""

    def __init__(
        self,
        window: Any,
        bridge: Any,
        services: Any,
        settings: Any,
        on_screen: Callable[[], CallSession | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.w, self.page, self.sv, self.settings = window, window.phone, services, settings
        self._on_screen = on_screen
        self.remote = ("", "")  # (number or uri, name) of the call on screen
        self.last_uuid: str | None = None  # the call that was on screen last (it ended)
        self.poll = QTimer(self)
        self.poll.setInterval(66)  # ~15 Hz: partials, gauges, levels
        self.poll.timeout.connect(self._poll)
        b = bridge
        b.coachStarted.connect(self._on_coach_started)
        b.callMediaChanged.connect(self._on_media)
        b.audioNotice.connect(self._on_audio_notice)
        b.utteranceFinalized.connect(self._on_utterance)
        b.flagRaised.connect(self._on_flag)
        b.positiveMarked.connect(self._on_positive)

    # -- told by the controller ------------------------------------------------------------
    def show_call(self, number: str, name: str, state: str) -> None:
        """A call goes on screen; what the history knows of the caller follows."""
        self.remote = (number, name)
        self.page.transcript.clear()
        self.page.coach.reset()
        self.page.contact.hide()
        self.page.controls.show_call(name, number)
        self.page.controls.set_state(state)
        self.page.show_call_view(True)
        self.sv.read(lambda db: history_rows.summary(db, number, name), self._show_summary)

    def show_state(self, state: str, sentence: str) -> None:
        self.page.controls.set_state(state, sentence)

    def call_over(self, uuid: str | None) -> None:
        """The call on screen disconnected (its history row: `uuid`)."""
        self.w.incoming.hide()
        self.poll.stop()
        self.page.transcript.set_partials({})
        if uuid is not None:
            self.last_uuid = uuid

    def stop(self) -> None:
        self.poll.stop()

    def show_problem(self, sentence: str) -> None:
        """One sentence in the status bar (and on the idle page when no call is on screen)."""
        log.info("shown to the rep: %s", sentence)
        self.w.statusBar().showMessage(sentence, 8000)
        if self._on_screen() is None:
            self.page.idle.show_last_call(sentence)

    # -- what it shows by itself -----------------------------------------------------------
    def _call_id(self) -> str | None:
        session = self._on_screen()
        return session.call_id if session is not None else None

    def _mine(self, event: Any) -> bool:
        session = self._on_screen()
        return session is not None and event.call == session.uuid

    def _show_summary(self, summary: Any) -> None:
        session = self._on_screen()
        if session is None or summary.number != self.remote[0]:
            return
        session.know_contact(summary.previous_calls, summary.learned_before)
        if summary.name and not self.remote[1]:
            self.remote = (self.remote[0], summary.name)
            self.page.controls.show_call(summary.name, self.remote[0])
            self.page.controls.set_state(session.state)
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
        if ev.call_id == self._call_id() and ev.security:
            self.page.controls.set_security(ev.security, ev.srtp)

    def _on_audio_notice(self, ev: Any) -> None:
        """The recording stopped (RecordingFailed) or the headset went/came back
        (HeadsetChanged): one sentence in the call view, and in the status bar."""
        if hasattr(ev, "call_id"):  # a recording belongs to one call
            if ev.call_id != self._call_id():
                return
            topic, tone = "recording", "warn"
        else:
            topic, tone = "headset", "good" if ev.state == "back" else "warn"
        log.info("shown to the rep: %s", ev.sentence)
        self.w.statusBar().showMessage(ev.sentence, 8000)
        if self._on_screen() is not None:
            self.page.controls.set_audio_note(topic, ev.sentence, tone)

    def _on_coach_started(self, ev: Any) -> None:
        if not self._mine(ev):
            return
        self.page.coach.gauges.monologue_limit = ev.monologue_limit
        if ev.error:
            self.show_problem(ev.error)
        elif not ev.transcribing:
            self.page.transcript.empty.setText(
                "The live transcript is off until the speech model is installed (Settings)."
            )
        self.poll.start()

    def _poll(self) -> None:
        s = self._on_screen()
        snap = s.snapshot() if s is not None else None
        if snap is None:
            return
        self.page.transcript.set_partials(snap["partials"])
        self.page.controls.set_levels(snap["levels"])
        if snap["metrics"]:
            self.page.coach.update_metrics(snap["metrics"], snap["monologue_seconds"])

    def _shown(self, ev: Any) -> bool:
        """An event of the call on screen, or of the one that just ended (its last lines)."""
        return self._mine(ev) or ev.call == self.last_uuid

    def _on_utterance(self, ev: Any) -> None:
        if self._shown(ev):
            u = ev.utterance
            self.page.transcript.add_final(u.speaker, u.text, u.start)

    def _on_flag(self, ev: Any) -> None:
        if self._shown(ev) and self.page.coach.add_flag(ev.flag):
            self.page.transcript.mark_flagged(ev.flag.speaker, ev.flag.start)

    def _on_positive(self, ev: Any) -> None:
        if self._shown(ev):
            self.page.coach.add_positive(ev.mark)
