"""The one SQLite database: where it lives, how it is opened, migrated and recovered after a crash.

`open_database()` opens (creating if needed) `callcoach.db` in the user data directory
(platformdirs, or `CALLCOACH_DATA_DIR`), with the directory 0700 and the files 0600, WAL
journal, foreign keys on, and runs every package's versioned migrations. Each package owns
its tables and declares `SCHEMA_NAME` and `MIGRATIONS` (a tuple of functions taking the
`Database`; migration N brings the package from version N-1 to N); this module only runs them
in order and records the version reached in `schema_versions`.

The single writer that makes every write while the app runs is `app.store_writer.StoreWriter`.

Crash recovery happens once, in `open_database()`, against the folder of the file it opens.
The app opens the file that way only to migrate and recover; its connection is for processes
that write beside the app (commands, tests), so its transactions take the write lock up front.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

log = logging.getLogger(__name__)

DB_FILENAME = "callcoach.db"
# Order matters: the coach library's tables refer to the call history's calls table.
MIGRATION_MODULES = ("calling.history_schema", "coach.library.schema", "calling.calllist_schema")


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
