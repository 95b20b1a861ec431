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
This module is the queue's face: its session, worker, listeners and the commands any thread may
give. The transitions are `calling.queue_machine`'s; what comes next (the next callable contact,
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
from calling.queue_machine import QueueMachine
from calling.queue_next import QueueChanged, open_session
from softphone.protocol import CallStateChanged, EngineCrashed
from softphone.serial_worker import SerialWorker

log = logging.getLogger(__name__)


class DialerQueue(QueueMachine):
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
        self.store, self.client, self.rep = store, client, rep
        self.earlier_flags = earlier_flags
        self.db = db = store.reader()  # reads only; used on the worker thread
        self.window = window or CallingWindow()
        self._uri_for: Callable[[str], str] = (
            uri_for if callable(uri_for) else (lambda n: uri_for.format(number=n))
        )
        self.account_id = account_id
        self.ring_timeout_s, self.max_talk_s = ring_timeout_s, max_talk_s
        self.auto_disposition, self.auto_dial = auto_disposition, auto_dial
        self.conversation_s, self.clock = conversation_s, clock
        now = clock()
        try:
            row = open_session(store, db, list_ref, session_id, rep, now)
        except ValueError:
            db.close()
            raise
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
        self._listeners: list[Callable[[QueueChanged], None]] = []
        self._cond = threading.Condition()
        self._worker = SerialWorker("dialer-queue", idle=self._housekeep)

    # ---- lifecycle and listeners ----

    def start(self) -> DialerQueue:
        self.client.add_listener(self._on_engine_event)
        self._worker.start()
        self._submit(self._restore).result(10)
        return self

    def stop(self) -> None:
        """Stop the worker; the session stays as it is in the database (resume later)."""
        if self._worker.alive:
            self._submit(self._save).result(10)
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
        self._submit(self._dial).result(15)

    def hangup(self) -> None:
        self._submit(self._hangup).result(15)

    def dispose(
        self,
        disposition: str,
        *,
        callback_at: float | None = None,
        notes: str | None = None,
        dial_next: bool | None = None,
    ) -> None:
        """Save the outcome and move on (and dial the next contact if dial_next)."""
        args = (disposition, callback_at, notes, self.auto_dial if dial_next is None else dial_next)
        self._submit(self._dispose, *args).result(15)

    def skip(self) -> None:
        self._submit(self._skip).result(15)

    def drop_voicemail(self, wav_path: str, *, beep: bool = False) -> None:
        """Leave the recorded message on the current call and move on at once: the message
        plays (after the beep if asked) and hangs up on its own while the next card shows."""
        self._submit(self._drop_voicemail, wav_path, beep).result(15)

    def pause(self) -> None:
        self._submit(self._pause).result(15)

    def resume(self) -> None:
        self._submit(self._resume).result(15)

    def counters(self) -> dict:
        return self._submit(self._counters).result(15)

    def day_counters(self) -> dict:
        return self._submit(
            lambda: qs.counters(
                self.db, since=qs.start_of_day(self.clock()), conversation_s=self.conversation_s
            )
        ).result(15)

    # ---- the worker ----

    def _submit(self, fn: Callable, *args: Any) -> Future:
        return self._worker.submit(fn, *args)

    def _write(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """Run `fn(db, ...)` on the single writer and wait until it is committed (the reads
        that follow on this queue's own connection then see it)."""
        return self.store.call(fn, *args, timeout=15, **kwargs)

    def _on_engine_event(self, event: Any) -> None:
        if isinstance(event, CallStateChanged | EngineCrashed):
            self._worker.post(self._on_event, event)
