"""The power-dialing queue: one line at a time through a call list, headless and persisted.

A `DialerQueue` is a state machine over a `dial_sessions` row:

    ready ──dial──► dialing ─► ringing ─► connected ─► wrap_up ──dispose──► ready (next card)
      │                 └──────────────┴─────────────┘ (call ended)             │
      ├─skip─► ready (next)      pause/resume at any time; waiting = nobody callable now
      └──────────────────────────────────────────────────────────────────────► finished

Every transition is written to the database at once, so a session survives an app restart
(a call that was up when the app died comes back as wrap_up, waiting for its outcome). The
queue writes nothing itself: each write is a job for the app's single writer (`store`, a
StoreWriter: `call`/`submit` a function of the database), and the queue reads through a
read-only connection of its own (`store.reader()`).
All work runs on one `SerialWorker` (a named thread fed by a queue, stopped by a sentinel):
engine events are only enqueued by the listener, so the engine client's thread never waits on us
while we wait on the engine (make_call blocks until the engine replies).
This module is the queue's face: its worker, listeners and the commands any thread may give,
and a read-only view of where the session is. The session's state and its transitions are its
`calling.queue_machine.QueueMachine`'s; what comes next (the next callable contact,
its card, the outcome to suggest) is decided by `calling.queue_next`; the rows are
`calling.queue_store`'s.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from calling import queue_store as qs
from calling.calling_hours import CallingWindow
from calling.queue_machine import QueueMachine, QueueOptions
from calling.queue_next import QueueChanged, open_session
from softphone.protocol import CallStateChanged, EngineCrashed
from softphone.serial_worker import SerialWorker

log = logging.getLogger(__name__)


class DialerQueue:
    """One power-dialing session. `store` is the app's single writer (call, submit, reader);
    `client` is an EngineClient (make_call, hangup, listeners); `earlier_flags(db, call_ids)`
    gives the coach's flags on a contact's earlier calls for the card (the wiring passes the
    library's function; none: the card shows no flags)."""

    def __init__(
        self,
        store: Any,
        client: Any,
        list_ref: str | int | None = None,
        *,
        session_id: int | None = None,
        rep: str = "",
        window: CallingWindow | None = None,
        uri_for: str | Callable[[str], str] = "{number}",
        account_id: str | None = None,
        ring_timeout_s: float = 25.0,
        auto_disposition: bool = False,
        auto_dial: bool = False,
        max_talk_s: float | None = None,
        conversation_s: float = 60.0,
        clock: Callable[[], float] = time.time,
        earlier_flags: Callable[[Any, list[int]], list[dict]] | None = None,
    ) -> None:
        self.store, self.client = store, client
        self.db = db = store.reader()  # reads only; used on the worker thread
        now = clock()
        try:
            row = open_session(store, db, list_ref, session_id, rep, now)
        except ValueError:
            db.close()
            raise
        self.options = QueueOptions(
            rep=rep,
            window=window or CallingWindow(),
            uri_for=uri_for if callable(uri_for) else (lambda n: uri_for.format(number=n)),
            account_id=account_id,
            ring_timeout_s=ring_timeout_s,
            auto_disposition=auto_disposition,
            auto_dial=auto_dial,
            max_talk_s=max_talk_s,
            conversation_s=conversation_s,
            earlier_flags=earlier_flags,
        )
        self.machine = QueueMachine(
            store, client, db, row, self.options, notify=self._changed, clock=clock, now=now
        )
        # which session on which list: fixed when it opens
        self.session_id: int = row["id"]
        self.list_id: int = row["list_id"]
        self._listeners: list[Callable[[QueueChanged], None]] = []
        self._cond = threading.Condition()
        self._worker = SerialWorker("dialer-queue", idle=self.machine.housekeep)

    # ---- where the session is (read-only; the machine changes it on the worker) ----

    @property
    def state(self) -> str:
        return self.machine.state

    @property
    def card(self) -> qs.ContactCard | None:
        """The contact on screen (None: waiting or finished)."""
        return self.machine.card

    @property
    def sentence(self) -> str:
        return self.machine.sentence

    @property
    def suggested(self) -> str | None:
        """The outcome suggested for the call that just ended."""
        return self.machine.suggested

    @property
    def engine_call(self) -> str | None:
        """The engine's id of the call being dialled or talked on."""
        return self.machine.engine_call

    @property
    def call_db_id(self) -> int | None:
        """The history row of the current (or just ended) call."""
        return self.machine.call_db_id

    # ---- lifecycle and listeners ----

    def start(self) -> DialerQueue:
        self.client.add_listener(self._on_engine_event)
        self._worker.start()
        self._submit(self.machine.restore).result(10)
        return self

    def stop(self) -> None:
        """Stop the worker; the session stays as it is in the database (resume later)."""
        if self._worker.alive:
            self._submit(self.machine.save).result(10)
            self._worker.stop()
        remove = getattr(self.client, "remove_listener", None)
        if remove:
            remove(self._on_engine_event)
        self.store.flush(10)  # the last state is on disk when stop returns
        self.db.close()

    def add_listener(self, fn: Callable[[QueueChanged], None]) -> None:
        self._listeners.append(fn)

    def wait_for(self, *states: str, timeout: float = 10.0) -> str:
        """Block until the queue is in one of `states`; returns it (TimeoutError otherwise)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.state not in states:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"queue still {self.state!r} after {timeout} s")
                self._cond.wait(left)
            return self.state

    # ---- commands (any thread; they run on the worker) ----

    def dial(self) -> None:
        self._submit(self.machine.dial).result(15)

    def hangup(self) -> None:
        self._submit(self.machine.hangup).result(15)

    def dispose(
        self,
        disposition: str,
        *,
        callback_at: float | None = None,
        notes: str | None = None,
        dial_next: bool | None = None,
    ) -> None:
        """Save the outcome and move on (and dial the next contact if dial_next)."""
        auto = self.options.auto_dial
        args = (disposition, callback_at, notes, auto if dial_next is None else dial_next)
        self._submit(self.machine.dispose, *args).result(15)

    def skip(self) -> None:
        self._submit(self.machine.skip).result(15)

    def drop_voicemail(self, wav_path: str, *, beep: bool = False) -> None:
        """Leave the recorded message on the current call and move on at once: the message
        plays (after the beep if asked) and hangs up on its own while the next card shows."""
        self._submit(self.machine.drop_voicemail, wav_path, beep).result(15)

    def pause(self) -> None:
        self._submit(self.machine.pause).result(15)

    def resume(self) -> None:
        self._submit(self.machine.resume).result(15)

    def counters(self) -> dict:
        return self._submit(self.machine.counters).result(15)

    def day_counters(self) -> dict:
        return self._submit(self.machine.day_counters).result(15)

    # ---- the worker ----

    def _submit(self, fn: Callable, *args: Any) -> Future:
        return self._worker.submit(fn, *args)

    def _changed(self, event: QueueChanged) -> None:
        """The machine changed state (on the worker): wake the waiters, tell the listeners."""
        with self._cond:
            self._cond.notify_all()
        for fn in list(self._listeners):
            try:
                fn(event)
            except Exception:
                log.exception("queue listener %r failed", fn)

    def _on_engine_event(self, event: Any) -> None:
        if isinstance(event, CallStateChanged | EngineCrashed):
            self._worker.post(self.machine.on_event, event)
