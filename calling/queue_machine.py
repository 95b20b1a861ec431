"""The dialer queue's state machine: the session's state and every transition of a
`calling.dialer_queue.DialerQueue` (the diagram is in that module), run on the queue's worker
thread only. The queue holds one `QueueMachine` and hands it what it needs.

Dial, ring, connect and end; the outcome (at once, chosen during the call, or suggested and
applied automatically); skip, pause and resume; the ring timeout and the talk limit; the
session's active time; the restore after an app restart. Each transition saves the session
through the single writer and tells the listeners (`QueueChanged`); what comes next is asked
of `calling.queue_next`, the rows are `calling.queue_store`'s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calling import queue_store as qs
from calling.calling_hours import CallingWindow
from calling.queue_next import (
    IN_CALL,
    QueueChanged,
    load_card,
    next_contact,
    suggest_disposition,
)
from softphone.errors import SoftphoneError
from softphone.protocol import EngineCrashed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueOptions:
    """How a session dials, as the DialerQueue was opened with them (they never change)."""

    rep: str = ""
    window: CallingWindow = field(default_factory=CallingWindow)  # contacts' local hours
    uri_for: Callable[[str], str] = str  # a contact's number -> the URI to dial
    account_id: str | None = None
    ring_timeout_s: float = 25.0
    auto_disposition: bool = False  # each outcome is the one suggested, no prompt
    auto_dial: bool = False  # after an outcome, dial the next contact at once
    max_talk_s: float | None = None  # hang up a connected call after this long
    conversation_s: float = 60.0  # a connected call this long counts as a conversation
    # the coach's flags on a contact's earlier calls for the card (none: no flags shown)
    earlier_flags: Callable[[Any, list[int]], list[dict]] | None = None


class QueueMachine:
    """The queue's state and its transitions. Every method runs on the queue's worker thread;
    `notify(QueueChanged)` is called after each state change (the DialerQueue wakes its
    waiters and tells its listeners)."""

    def __init__(
        self,
        store: Any,
        client: Any,
        db: Any,
        row: Any,
        options: QueueOptions,
        *,
        notify: Callable[[QueueChanged], None],
        clock: Callable[[], float],
        now: float,
    ) -> None:
        self.store, self.client, self.db = store, client, db
        self.opt = options
        self._notify, self.clock = notify, clock
        self.session_id, self.list_id = row["id"], row["list_id"]
        self.state: str = row["state"]
        self.entry_id: int | None = row["current_entry_id"]
        self.call_db_id: int | None = row["current_call_id"]
        self.active_seconds: float = row["active_seconds"]
        self.running_since: float | None = None if self.state == "paused" else now
        self.card: qs.ContactCard | None = None
        self.sentence, self.suggested = "", None
        self.paused_after_call = False
        self.engine_call: str | None = None
        self.dial_id: int | None = None
        self._dial_t = self._connect_t = 0.0
        self._rang_out = False
        self._pending: tuple | None = None  # a disposition chosen while the call was still up
        self._detached: dict[str, tuple[int, int]] = {}  # voicemail drops still playing
        self._next_check = 0.0

    def _write(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """Run `fn(db, ...)` on the single writer and wait until it is committed (the reads
        that follow on the queue's own connection then see it)."""
        return self.store.call(fn, *args, timeout=15, **kwargs)

    def housekeep(self) -> None:
        now = self.clock()
        mono = time.monotonic()
        if self.state in ("dialing", "ringing") and mono - self._dial_t > self.opt.ring_timeout_s:
            self._rang_out = True
            self._end_call()
        elif (
            self.state == "connected"
            and self.opt.max_talk_s is not None
            and mono - self._connect_t > self.opt.max_talk_s
        ):
            self._end_call()
        elif self.state == "waiting" and now >= self._next_check:
            self._advance()

    def _end_call(self) -> None:
        """Hang up the current call (the disconnected event finishes the dial)."""
        if self.engine_call is not None:
            try:
                self.client.hangup(self.engine_call)
            except SoftphoneError as e:  # the call may already be gone
                log.info("hangup: %s", e)
            self._dial_t = self._connect_t = float("inf")  # one hangup per call

    def _set(self, state: str, sentence: str = "", suggested: str | None = None) -> None:
        self.state, self.sentence, self.suggested = state, sentence, suggested
        self.save()
        self._notify(QueueChanged(state, self.card, sentence, suggested))

    def _active_now(self) -> float:
        extra = self.clock() - self.running_since if self.running_since is not None else 0.0
        return self.active_seconds + max(0.0, extra)

    def save(self) -> None:
        now = self.clock()
        if self.running_since is not None:
            self.active_seconds = self._active_now()
            self.running_since = now
        # Not waited for: nothing the queue reads depends on it, and the writer keeps order.
        self.store.submit(qs.save_session, self.session_id, self.state, self.entry_id,
                          self.call_db_id, self.active_seconds, self.running_since,
                          now if self.state == "finished" else None)  # fmt: skip

    def restore(self) -> None:
        if self.state in IN_CALL or self.state == "wrap_up":
            row = self.db.execute(
                "SELECT id, connected_at, ended_at FROM session_dials WHERE call_id = ?",
                [self.call_db_id],
            ).fetchone()
            if row is not None:
                self.dial_id = row[0]
                if row[2] is None:  # the app stopped during the call: it is over now
                    self._write(qs.dial_ended, self.call_db_id, row[0], self.clock(), None, None)
            self._load_card()
            suggested = "connected" if row is not None and row[1] is not None else "no_answer"
            sentence = (
                "The app stopped during this call; choose its outcome."
                if self.state != "wrap_up"
                else ""
            )
            self._set("wrap_up", sentence, suggested)
        elif self.state == "paused":
            self._load_card()
            self._set("paused", "The session is paused.")
        else:
            self._advance()

    def _load_card(self, local_time: str = "") -> None:
        if self.entry_id is None:
            self.card = None
            return
        self.card = load_card(
            self.db,
            self.entry_id,
            self.opt.window,
            self.clock(),
            local_time,
            self.opt.earlier_flags,
        )

    def _advance(self) -> None:
        """Show the next contact that may be called now (or wait, or finish)."""
        now = self.clock()
        self.call_db_id, self.dial_id, self.engine_call = None, None, None
        nxt = next_contact(self.db, self.list_id, self.opt.window, now)
        if nxt.entry_id is not None:
            self.entry_id = nxt.entry_id
            self._load_card(nxt.label)
            self._set("ready")
            return
        wake = nxt.wake
        self.entry_id, self.card = None, None
        if wake is None:
            self._set("finished", "Every contact on the list has an outcome.")
            return
        self._next_check = min(wake, now + 60.0)
        at = time.strftime("%H:%M", time.localtime(wake))
        self._set("waiting", f"Nobody on the list may be called right now; the next at {at}.")

    def dial(self) -> None:
        if self.state != "ready" or self.card is None:
            raise ValueError(f"There is no contact ready to dial (the queue is {self.state}).")
        now = self.clock()
        entry = qs.entry(self.db, self.entry_id)
        uri = self.opt.uri_for(self.card.phone)
        self.call_db_id, self.dial_id = self._write(
            qs.start_dial, self.session_id, entry, uri, self.opt.rep, now
        )
        self._rang_out, self._dial_t, self._pending = False, time.monotonic(), None
        self.card.attempts += 1
        self.state = "dialing"
        try:
            self.engine_call = self.client.make_call(uri, self.opt.account_id)
        except (SoftphoneError, ValueError) as e:  # InvalidUri / EngineError: a sentence
            # Nothing went on the wire: no dial to count. It is a setup problem (no account,
            # a bad dial template, the engine down), so stop here rather than burn the list.
            self._write(qs.undo_dial, self.call_db_id, self.dial_id, self.entry_id)
            self.engine_call, self.call_db_id, self.dial_id = None, None, None
            self.card.attempts -= 1
            self.state = "ready"
            self._enter_pause(f"The call could not be placed: {e} Fix it, then resume.")
            return
        self._set("dialing", f"Dialing {self.card.name} at {self.card.phone}.")

    def hangup(self) -> None:
        if self.state in IN_CALL:
            self._end_call()

    def on_event(self, event: Any) -> None:
        if isinstance(event, EngineCrashed):
            if self.state in IN_CALL:
                self._write(qs.dial_ended, self.call_db_id, self.dial_id, self.clock(), None, None)
                self._after_call(event.reason, "no_answer")
            return
        if event.call_id in self._detached and event.state == "disconnected":
            call_db_id, dial_id = self._detached.pop(event.call_id)
            self._write(
                qs.dial_ended, call_db_id, dial_id, self.clock(), event.status_code, event.reason
            )
            return
        if event.call_id != self.engine_call or self.state not in IN_CALL:
            return
        if event.state in ("ringing", "early") and self.state == "dialing":
            self._set("ringing", f"Ringing {self.card.name}.")
        elif event.state == "connected" and self.state != "connected":
            self._write(qs.dial_connected, self.call_db_id, self.dial_id, self.clock())
            self._connect_t = time.monotonic()
            self._set("connected", f"Connected with {self.card.name}.")
        elif event.state == "disconnected":
            connected = event.connected_at is not None
            self._write(
                qs.dial_ended,
                self.call_db_id,
                self.dial_id,
                self.clock(),
                event.status_code,
                event.reason,
            )
            suggested = suggest_disposition(connected, event.status_code, self._rang_out)
            sentence = "Nobody answered." if self._rang_out and not connected else event.sentence
            self._after_call(sentence, suggested)

    def _after_call(self, sentence: str, suggested: str) -> None:
        self.engine_call = None
        if self._pending is not None:
            disposition, callback_at, notes, dial_next = self._pending
            self._pending = None
            self.state = "wrap_up"
            self.dispose(disposition, callback_at, notes, dial_next)
        elif self.opt.auto_disposition:
            self.state = "wrap_up"
            self.dispose(suggested, None, None, self.opt.auto_dial)
        else:
            self._set("wrap_up", sentence, suggested)

    def dispose(
        self, disposition: str, callback_at: float | None, notes: str | None, dial_next: bool
    ) -> None:
        if disposition not in qs.DISPOSITIONS:
            raise ValueError(
                f"Unknown disposition {disposition!r}; pick one of: {', '.join(qs.DISPOSITIONS)}."
            )
        if disposition == "call_back" and callback_at is None:
            raise ValueError("A call-back needs a time.")
        if self.state in IN_CALL:  # e.g. "voicemail left" pressed while the call is up
            self._pending = (disposition, callback_at, notes, dial_next)
            self._end_call()
            return
        if self.state not in ("wrap_up", "ready", "paused") or self.entry_id is None:
            raise ValueError(f"There is no contact to give an outcome to (queue {self.state}).")
        self._write(
            qs.record_outcome,
            self.entry_id,
            disposition,
            call_id=self.call_db_id,
            dial_id=self.dial_id,
            at=self.clock(),
            callback_at=callback_at,
            notes=notes,
        )
        self.call_db_id = self.dial_id = None
        if self.paused_after_call or self.state == "paused":
            self.paused_after_call = False
            self._enter_pause()
            return
        self._advance()
        if dial_next and self.state == "ready":
            self.dial()

    def drop_voicemail(self, wav_path: str, beep: bool) -> None:
        from calling import voicemail

        if self.state != "connected" or self.engine_call is None:
            raise ValueError("A voicemail can only be dropped on a connected call.")
        voicemail.drop(self.client, self.engine_call, wav_path, beep=beep)
        self._detached[self.engine_call] = (self.call_db_id, self.dial_id)
        self.engine_call = None
        self.state = "wrap_up"
        self.dispose("voicemail_left", None, None, self.opt.auto_dial)

    def skip(self) -> None:
        if self.state not in ("ready", "paused") or self.entry_id is None:
            raise ValueError(f"Only a contact not yet dialed can be skipped (queue {self.state}).")
        self._write(qs.skip_entry, self.entry_id, self.clock())
        self._advance()

    def _enter_pause(self, sentence: str = "The session is paused.") -> None:
        self.active_seconds = self._active_now()
        self.running_since = None
        self._set("paused", sentence)

    def pause(self) -> None:
        if self.state in IN_CALL or self.state == "wrap_up":
            self.paused_after_call = True  # the call in progress finishes first
        elif self.state != "paused":
            self._enter_pause()

    def resume(self) -> None:
        self.paused_after_call = False
        if self.state != "paused":
            return
        self.running_since = self.clock()
        if self.call_db_id is not None and self.dial_id is not None:
            self._set("wrap_up", "Choose the outcome of the last call.", None)
        else:
            self._advance()

    def counters(self) -> dict:
        return qs.counters(
            self.db,
            session_id=self.session_id,
            active_seconds=self._active_now(),
            conversation_s=self.opt.conversation_s,
        )

    def day_counters(self) -> dict:
        return qs.counters(
            self.db, since=qs.start_of_day(self.clock()), conversation_s=self.opt.conversation_s
        )
