"""The single writer: the one connection that writes to the SQLite database while the app runs.

`StoreWriter` is the single writer while the app runs: a named thread fed by a queue and
stopped by a sentinel, the one connection that writes (the queue, practice, live calls and
imports all submit to it). Work is submitted as `fn(db, *args)`; each item runs in its own
savepoint (sqlite-utils' `atomic()`: a failing item is rolled back alone, its exception lands
in its Future and `on_error` gets one sentence) and the open transaction is committed as soon
as the queue runs dry, or at least every `commit_interval` seconds under load — so a final
utterance is on disk well within a second. Slow work (analysis, FLAC encoding) is done by the
caller before it submits, never inside a job. Readers open their own connections
(`StoreWriter.reader()`, WAL: they see every committed write and never block the writer).
The database itself (where it lives, how it is opened and migrated) is `app.db`'s.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Self

import sqlite_utils

from app.db import connect, database_path

log = logging.getLogger(__name__)


class _Barrier:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class StoreWriter:
    """The single database writer thread; submit work as `fn(db, *args, **kwargs)`.

    `on_error(sentence)` is told, on the writer thread, about each job that failed (the job's
    Future carries the exception too); the writer goes on with the next job."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        commit_interval: float = 0.25,
        db: sqlite_utils.Database | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._path = path
        self._db = db
        self.on_error = on_error
        self.last_error = ""
        self.commit_interval = commit_interval
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._ready = threading.Event()
        self._open_error: BaseException | None = None
        self._pending: list[tuple[Future, Any]] = []
        self.commits = 0
        self.errors = 0

    def start(self) -> StoreWriter:
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            raise self._open_error
        return self

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """Queue `fn(db, *args, **kwargs)`; the Future resolves once its write is committed."""
        if not self._thread.is_alive():
            raise RuntimeError("The store writer is not running.")
        fut: Future = Future()
        self._queue.put((fn, args, kwargs, fut))
        return fut

    @property
    def path(self) -> Path:
        """The database file this writer writes."""
        if self._db is not None:
            return Path(self._db.execute("PRAGMA database_list").fetchone()[2])
        return Path(self._path) if self._path is not None else database_path()

    def reader(self) -> sqlite_utils.Database:
        """A new read-only connection to the same file, for the calling thread (in WAL it sees
        every committed write; writes through it fail: they belong to this writer)."""
        return connect(self.path, readonly=True)

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = 10.0, **kwargs: Any) -> Any:
        """Submit and wait for the result (for ids needed right away, such as a new call's)."""
        return self.submit(fn, *args, **kwargs).result(timeout=timeout)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Block until everything submitted so far is committed; False on timeout."""
        if not self._thread.is_alive():
            return False
        barrier = _Barrier()
        self._queue.put(barrier)
        return barrier.done.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            db = self._db if self._db is not None else connect(self._path)
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        tx_started = 0.0
        try:
            while True:
                timeout = None
                if db.conn.in_transaction:
                    timeout = max(0.0, tx_started + self.commit_interval - time.monotonic())
                try:
                    item = self._queue.get(timeout=timeout)
                except queue.Empty:
                    self._commit(db)
                    continue
                if item is _STOP:
                    break
                if isinstance(item, _Barrier):
                    self._commit(db)
                    item.done.set()
                    continue
                if not db.conn.in_transaction:
                    # IMMEDIATE: a command-line process may write the same file; waiting for
                    # the lock here beats failing at a job's first write after its first read.
                    db.execute("BEGIN IMMEDIATE")
                    tx_started = time.monotonic()
                self._apply(db, item)
                if self._queue.empty() or time.monotonic() - tx_started >= self.commit_interval:
                    self._commit(db)
        finally:
            self._commit(db)
            if self._db is None:
                db.close()

    def _apply(self, db: sqlite_utils.Database, item: tuple) -> None:
        fn, args, kwargs, fut = item
        if not fut.set_running_or_notify_cancel():
            return
        try:
            with db.atomic():
                result = fn(db, *args, **kwargs)
        except BaseException as exc:  # one bad write must not stop the writer
            self.errors += 1
            log.exception("store writer: %s failed", getattr(fn, "__name__", fn))
            fut.set_exception(exc)
            lost: list = []
            if not db.conn.in_transaction:
                # The error took the whole transaction with it (disk full, I/O error), so
                # the batch's earlier writes are gone too: say so instead of "done".
                lost, self._pending = self._pending, []
                for other, _ in lost:
                    other.set_exception(exc)
            self._report(fn, exc, len(lost))
        else:
            self._pending.append((fut, result))

    def _report(self, fn: Callable[..., Any], exc: BaseException, lost: int = 0) -> None:
        self.last_error = error_sentence(fn, exc, lost)
        if self.on_error is not None:
            try:
                self.on_error(self.last_error)
            except Exception:  # a listener never breaks the writer
                log.exception("store writer: the error listener raised")

    def _commit(self, db: sqlite_utils.Database) -> None:
        """Commit, then resolve the futures of what was committed (done means on disk)."""
        pending, self._pending = self._pending, []
        try:
            if db.conn.in_transaction:
                db.commit()
                self.commits += 1
        except sqlite3.Error as exc:
            log.exception("store writer: commit failed")
            db.rollback()
            for fut, _ in pending:
                fut.set_exception(exc)
            self._report(self._commit, exc, len(pending))
            return
        for fut, result in pending:
            fut.set_result(result)


def error_sentence(fn: Callable[..., Any], exc: BaseException, lost: int = 0) -> str:
    """One sentence for a write that failed: what was being saved, why, and what else went."""
    what = getattr(fn, "__name__", "") or type(fn).__name__
    what = "the last changes" if what in ("_commit", "<lambda>") else what.replace("_", " ")
    reason = str(exc).strip().rstrip(".") or type(exc).__name__
    also = f", and {lost} earlier change(s) with it" if lost else ""
    return f"Saving {what} failed ({reason}){also}; the store goes on with the next change."
