"""The one SQLite database: where it lives, how it is opened and migrated, and its single writer.

`open_database()` opens (creating if needed) `callcoach.db` in the user data directory
(platformdirs, or `CALLCOACH_DATA_DIR`), with the directory 0700 and the files 0600, WAL
journal, foreign keys on, and runs every package's versioned migrations. Each package owns
its tables and declares `SCHEMA_NAME` and `MIGRATIONS` (a tuple of functions taking the
`Database`; migration N brings the package from version N-1 to N); this module only runs them
in order and records the version reached in `schema_versions`.

`StoreWriter` is the single writer while the app runs: a named thread fed by a queue and
stopped by a sentinel. Work is submitted as `fn(db, *args)`; each item runs in its own
savepoint (a failing item is rolled back alone and its exception lands in its Future) and the
open transaction is committed as soon as the queue runs dry, or at least every
`commit_interval` seconds under load — so a final utterance is on disk well within a second.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Self

import sqlite_utils

log = logging.getLogger(__name__)

DB_FILENAME = "callcoach.db"
# Order matters: the coach library's tables refer to the softphone's calls table.
MIGRATION_MODULES = ("softphone.history", "coach.library.schema", "softphone.calllist_schema")


def data_dir() -> Path:
    """The user's Call Coach data directory (database and recordings), created 0700."""
    override = os.environ.get("CALLCOACH_DATA_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("callcoach", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def database_path() -> Path:
    return data_dir() / DB_FILENAME


def database_dir(db: sqlite_utils.Database) -> Path:
    """The folder of an open database file (recordings live in `recordings/` beside it)."""
    return Path(db.execute("PRAGMA database_list").fetchone()[2]).parent


class _Database(sqlite_utils.Database):
    """sqlite-utils' Database whose write transactions take the write lock up front.

    Several connections write this file (the StoreWriter, the dialing queue's worker, practice
    runs). A deferred BEGIN whose first statement reads pins a WAL snapshot; if another
    connection commits before the first write, that write fails at once with "database is
    locked" (SQLITE_BUSY_SNAPSHOT), which busy_timeout cannot wait out. BEGIN IMMEDIATE waits
    for the lock instead.
    """

    def begin(self) -> None:
        self.execute("BEGIN IMMEDIATE")

    @contextlib.contextmanager
    def atomic(self) -> Iterator[sqlite_utils.Database]:
        if self.conn.in_transaction:  # nested: sqlite-utils' savepoint handling
            with super().atomic() as db:
                yield db
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise


def connect(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open the file with the house pragmas, without migrating (the writer thread uses this)."""
    path = Path(path) if path is not None else database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    old_umask = os.umask(0o077)  # SQLite creates -wal/-shm alongside; keep them private too
    try:
        conn = sqlite3.connect(str(path), timeout=10.0, check_same_thread=False)
    finally:
        os.umask(old_umask)
    db = _Database(conn, execute_plugins=False)
    db.execute("PRAGMA busy_timeout = 10000")
    if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        db.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode loses nothing when the process dies, only on power loss.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            os.chmod(p, 0o600)
    return db


def migration_modules() -> list[Any]:
    return [importlib.import_module(name) for name in MIGRATION_MODULES]


def schema_versions(db: sqlite_utils.Database) -> dict[str, int]:
    if not db["schema_versions"].exists():
        return {}
    return {r["name"]: r["version"] for r in db["schema_versions"].rows}


def migrate(db: sqlite_utils.Database, upto: dict[str, int] | None = None) -> dict[str, int]:
    """Bring every package's tables to its latest version (or to `upto[name]`); returns versions.

    All of it runs in one IMMEDIATE transaction that re-reads the versions once it holds the
    write lock, so the app and a CLI command opening the same file at once cannot both apply a
    step; a failing step leaves the database as it was.
    """
    modules = migration_modules()
    if upto is None:
        have = schema_versions(db)
        latest = {m.SCHEMA_NAME: len(m.MIGRATIONS) for m in modules}
        if have == latest:
            return have  # the usual open: no write lock taken at all
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_versions"
            " (name TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        current = schema_versions(db)
        for module in modules:
            name, steps = module.SCHEMA_NAME, module.MIGRATIONS
            target = len(steps) if upto is None else min(upto.get(name, len(steps)), len(steps))
            have = current.get(name, 0)
            if have > len(steps):
                raise RuntimeError(
                    f"The database was written by a newer Call Coach ({name} schema {have}, "
                    f"this version knows {len(steps)})."
                )
            for version in range(have + 1, target + 1):
                steps[version - 1](db)
                db.execute(
                    "INSERT INTO schema_versions(name, version) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET version = excluded.version",
                    [name, version],
                )
                log.info("migrated %s to version %d", name, version)
            current[name] = max(have, target)
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
    return current


def open_database(path: str | Path | None = None, *, recover: bool = True) -> sqlite_utils.Database:
    """Open the Call Coach database, migrated to the latest schema.

    With `recover`, calls a dead process left 'in_progress' are marked 'interrupted' and
    their live WAV recordings become FLAC in the data folder's `recordings/`.
    """
    db = connect(path)
    migrate(db)
    if recover:
        from coach.library import recordings
        from softphone import history

        if history.mark_interrupted(db):
            recordings.convert_pending(db, database_dir(db))
    return db


class _Barrier:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class StoreWriter:
    """The single database writer thread; submit work as `fn(db, *args, **kwargs)`."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        commit_interval: float = 0.25,
        db: sqlite_utils.Database | None = None,
    ) -> None:
        self._path = path
        self._db = db
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
                    db.begin()
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
            if not db.conn.in_transaction:
                # The error took the whole transaction with it (disk full, I/O error), so
                # the batch's earlier writes are gone too: say so instead of "done".
                lost, self._pending = self._pending, []
                for other, _ in lost:
                    other.set_exception(exc)
        else:
            self._pending.append((fut, result))

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
            return
        for fut, result in pending:
            fut.set_result(result)
