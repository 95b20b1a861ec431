"""The one SQLite database: where it lives, how it is opened and migrated, and its single writer.

`open_database()` opens (creating if needed) `callcoach.db` in the user data directory
(platformdirs, or `CALLCOACH_DATA_DIR`), with the directory 0700 and the files 0600, WAL
journal, foreign keys on, and runs every package's versioned migrations. Each package owns
its tables and declares `SCHEMA_NAME` and `MIGRATIONS` (a tuple of functions taking the
`Database`; migration N brings the package from version N-1 to N); this module only runs them
in order and records the version reached in `schema_versions`.

`StoreWriter` is the single writer while the app runs: a named thread fed by a queue and
stopped by a sentinel, the one connection that writes (the queue, practice, live calls and
imports all submit to it). Work is submitted as `fn(db, *args)`; each item runs in its own
savepoint (sqlite-utils' `atomic()`: a failing item is rolled back alone, its exception lands
in its Future and `on_error` gets one sentence) and the open transaction is committed as soon
as the queue runs dry, or at least every `commit_interval` seconds under load — so a final
utterance is on disk well within a second. Slow work (analysis, FLAC encoding) is done by the
caller before it submits, never inside a job. Readers open their own connections
(`StoreWriter.reader()`, WAL: they see every committed write and never block the writer).

Crash recovery happens once, in `open_database()`, against the folder of the file it opens.
The app opens the file that way only to migrate and recover; its connection is for processes
that write beside the app (commands, tests), so its transactions take the write lock up front.
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
# Order matters: the coach library's tables refer to the call history's calls table.
MIGRATION_MODULES = ("calling.history", "coach.library.schema", "calling.calllist_schema")


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


class _CommandLineDatabase(sqlite_utils.Database):
    """A connection of another process (a command-line command, a test) that writes the file
    while the app's writer may be writing it too: its transactions take the write lock up
    front. A plain deferred BEGIN whose first statement reads pins a WAL snapshot, and if the
    app's writer commits before this transaction's first write, that write fails at once with
    "database is locked" (SQLITE_BUSY_SNAPSHOT), which busy_timeout cannot wait out (measured:
    149 of 200 read-then-write transactions of a command failed while a live call was being
    written). Inside the app nothing uses this: every write is a job of the StoreWriter."""

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


def connect(
    path: str | Path | None = None, *, readonly: bool = False, other_process: bool = False
) -> sqlite_utils.Database:
    """Open the file with the house pragmas, without migrating (the writer thread uses this;
    `readonly` gives a reader's connection, which refuses writes with `query_only`;
    `other_process` one whose `atomic()` takes the write lock up front, for a process that
    writes beside the app)."""
    path = Path(path) if path is not None else database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    old_umask = os.umask(0o077)  # SQLite creates -wal/-shm alongside; keep them private too
    try:
        conn = sqlite3.connect(str(path), timeout=10.0, check_same_thread=False)
    finally:
        os.umask(old_umask)
    cls = _CommandLineDatabase if other_process else sqlite_utils.Database
    db = cls(conn, execute_plugins=False)
    db.execute("PRAGMA busy_timeout = 10000")
    if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        db.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode loses nothing when the process dies, only on power loss.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    if readonly:
        db.execute("PRAGMA query_only = ON")
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

    With `recover` (the one place crash recovery happens): calls a dead process left
    'in_progress' are marked 'interrupted', and every call no longer in progress that still
    points at a live WAV gets its FLAC in the `recordings/` folder beside this file.
    """
    db = connect(path, other_process=True)  # a command's connection, beside the app's writer
    migrate(db)
    if recover:
        recover_calls(db, database_dir(db))
    return db


def recover_calls(db: sqlite_utils.Database, folder: str | Path) -> int:
    """Mark calls of dead processes interrupted, then turn their live WAVs (and those of
    calls that ended before the app could convert them) into FLAC; returns how many.

    Each FLAC is encoded with no transaction open and pointed at in one short write, so a
    long recording never holds the write lock. A damaged file stays as it is (the review
    still has the transcript)."""
    from calling import history
    from coach.library import recordings

    history.mark_interrupted(db)
    done = 0
    for call_id, uuid, wav in history.live_recordings(db):
        try:
            flac = recordings.store_recording(wav, recordings.recordings_dir(folder), uuid)
        except (OSError, ValueError, RuntimeError) as e:
            log.warning("the recording of call %s could not be recovered: %s", call_id, e)
            continue
        with db.atomic():
            history.set_recording(db, call_id, str(flac))
        Path(wav).unlink(missing_ok=True)
        done += 1
    return done


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
