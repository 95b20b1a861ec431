"""What the Phone page shows of the call on screen: its caller and what the history knows of
them, the live transcript, the coach's cards and gauges (polled from the session at ~15 Hz),
the call's security and audio notices. `app.call_controller.CallController` mixes this in;
it owns the session, this only shows it.
"""

from __future__ import annotations

import logging
from typing import Any

from app import history_rows

log = logging.getLogger(__name__)


class CallView:
    """The showing half of CallController: uses its window (w), page, services (sv), settings,
    session, remote, last_uuid and poll timer (all set up in CallController.__init__)."""

    def _show_call(self, number: str, name: str, state: str) -> None:
        self.remote = (number, name)
        self.page.transcript.clear()
        self.page.coach.reset()
        self.page.contact.hide()
        self.page.controls.show_call(name, number)
        self.page.controls.set_state(state)
        self.page.show_call_view(True)
        self.sv.read(lambda db: history_rows.summary(db, number, name), self._show_summary)

    def _show_summary(self, summary: Any) -> None:
        if self.session is None or summary.number != self.remote[0]:
            return
        self.session.know_contact(summary.previous_calls, summary.learned_before)
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

    def _on_audio_notice(self, ev: Any) -> None:
        """The recording stopped (RecordingFailed) or the headset went/came back
        (HeadsetChanged): one sentence in the call view, and in the status bar."""
        if hasattr(ev, "call_id"):  # a recording belongs to one call
            if ev.call_id != self.call_id:
                return
            topic, tone = "recording", "warn"
        else:
            topic, tone = "headset", "good" if ev.state == "back" else "warn"
        log.info("shown to the rep: %s", ev.sentence)
        self.w.statusBar().showMessage(ev.sentence, 8000)
        if self.session is not None:
            self.page.controls.set_audio_note(topic, ev.sentence, tone)

    def _on_session_state(self, ev: Any) -> None:
        if not self._mine(ev):
            return
        self.page.controls.set_state(ev.state, ev.sentence)
        if ev.state == "disconnected":
            self._disconnected()

    def _on_coach_started(self, ev: Any) -> None:
        if not self._mine(ev):
            return
        self.page.coach.gauges.monologue_limit = ev.monologue_limit
        if ev.error:
            self._on_problem(ev.error)
        elif not ev.transcribing:
            self.page.transcript.empty.setText(
                "The live transcript is off until the speech model is installed (Settings)."
            )
        self.poll.start()

    def _poll(self) -> None:
        s = self.session
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
