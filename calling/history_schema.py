"""The call history's schema: the `contacts` and `calls` tables, their migrations, the view
`call_history_v` other packages read instead of the tables (`CALL_HISTORY_VIEW_COLUMNS` is its
column contract; a test compares it with the view itself) and the notes' search index
`notes_fts` (v5), which only `calling.history_read.search_notes` reads. `app.db` runs
`MIGRATIONS` in order under `SCHEMA_NAME`, before the other packages' (their tables refer to
calls); the rows are written and read through `calling.history`'s functions.
"""

from __future__ import annotations

import uuid as uuidlib

from sqlite_utils import Database

# The name its migrations are recorded under in existing databases (schema_versions): it
# stays as it was when this module lived in softphone/, so no database migrates twice.
SCHEMA_NAME = "softphone.history"


def _v1(db: Database) -> None:
    db.execute(
        """CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            company TEXT,
            number TEXT,
            email TEXT,
            created_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER REFERENCES contacts(id),
            direction TEXT NOT NULL,
            local_number TEXT,
            remote_number TEXT,
            remote_uri TEXT,
            started_at REAL NOT NULL,
            connected_at REAL,
            ended_at REAL,
            sip_code INTEGER,
            sip_reason TEXT,
            disposition TEXT,
            notes TEXT,
            recording_path TEXT
        )"""
    )
    db.execute("CREATE INDEX calls_contact ON calls(contact_id, started_at)")


def _v2(db: Database) -> None:
    """Rep names (team leads coach per rep), crash status, stable UUIDs for bundles."""
    db.execute("ALTER TABLE calls ADD COLUMN uuid TEXT")
    db.execute("ALTER TABLE calls ADD COLUMN rep TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE calls ADD COLUMN status TEXT NOT NULL DEFAULT 'completed'")
    db.execute("ALTER TABLE calls ADD COLUMN writer_pid INTEGER")
    for (call_id,) in db.execute("SELECT id FROM calls").fetchall():
        db.execute("UPDATE calls SET uuid = ? WHERE id = ?", [str(uuidlib.uuid4()), call_id])
    db.execute("CREATE UNIQUE INDEX calls_uuid ON calls(uuid)")
    db.execute("CREATE INDEX calls_rep ON calls(rep, started_at)")
    db.execute("CREATE INDEX calls_started ON calls(started_at)")
    db.execute("CREATE INDEX calls_status ON calls(status)")


def _v3(db: Database) -> None:
    """Contacts get UUIDs too, so an imported bundle maps onto the same contact."""
    db.execute("ALTER TABLE contacts ADD COLUMN uuid TEXT")
    for (cid,) in db.execute("SELECT id FROM contacts").fetchall():
        db.execute("UPDATE contacts SET uuid = ? WHERE id = ?", [str(uuidlib.uuid4()), cid])
    db.execute("CREATE UNIQUE INDEX contacts_uuid ON contacts(uuid)")
    db.execute("CREATE INDEX contacts_name ON contacts(name COLLATE NOCASE)")


# The view other packages read (coach/'s call library: lists, search, review, dashboard,
# exports). Every call column but writer_pid (which process writes a live call is this
# module's business), then the call's contact as contact_* (NULL for a call without one).
CALL_HISTORY_VIEW = "call_history_v"
CALL_HISTORY_VIEW_COLUMNS = (
    "id", "uuid", "contact_id", "direction", "rep", "started_at", "connected_at", "ended_at",
    "sip_code", "sip_reason", "status", "disposition", "notes", "local_number", "remote_number",
    "remote_uri", "recording_path",
    "contact_uuid", "contact_name", "contact_company", "contact_number", "contact_email",
)  # fmt: skip


def _v4(db: Database) -> None:
    """The view other packages read instead of the tables. Each contact column is a lookup by
    primary key rather than a join, so a query that uses none of them flattens to the calls
    table alone and plans exactly as it did (a LEFT JOIN, even one SQLite drops, still puts
    contact_id in the columns an index must cover: the dashboard lost its covering index).
    Written out in full, not from the contract above: a later change is a new migration."""
    db.execute(
        """CREATE VIEW call_history_v AS SELECT
            c.id, c.uuid, c.contact_id, c.direction, c.rep, c.started_at, c.connected_at,
            c.ended_at, c.sip_code, c.sip_reason, c.status, c.disposition, c.notes,
            c.local_number, c.remote_number, c.remote_uri, c.recording_path,
            (SELECT ct.uuid FROM contacts ct WHERE ct.id = c.contact_id) AS contact_uuid,
            (SELECT ct.name FROM contacts ct WHERE ct.id = c.contact_id) AS contact_name,
            (SELECT ct.company FROM contacts ct WHERE ct.id = c.contact_id) AS contact_company,
            (SELECT ct.number FROM contacts ct WHERE ct.id = c.contact_id) AS contact_number,
            (SELECT ct.email FROM contacts ct WHERE ct.id = c.contact_id) AS contact_email
        FROM calls c"""
    )


# Notes search: an FTS5 index over calls.notes with external content (it keeps no copy of the
# notes) and the triggers on calls that keep it in step. Only non-empty notes are indexed.
NOTES_INDEX = "notes_fts"
NOTES_TRIGGERS = ("calls_notes_ai", "calls_notes_ad", "calls_notes_au")


def _v5(db: Database) -> None:
    """The history owns its notes' search index. coach.library's migration 2 used to create
    notes_fts and its triggers on calls (the same definitions as here): a file that ran it has
    them, one whose library is older than that (its library migrations run after this one)
    does not. Either way they are dropped and made again here, and the index filled from
    calls.notes, the one copy of the notes: nothing is indexed twice and nothing is lost."""
    for name in NOTES_TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute("DROP TABLE IF EXISTS notes_fts")
    db.execute(
        "CREATE VIRTUAL TABLE notes_fts USING fts5("
        "notes, content='calls', content_rowid='id', tokenize='porter unicode61')"
    )
    db.execute(
        "CREATE TRIGGER calls_notes_ai AFTER INSERT ON calls WHEN new.notes IS NOT NULL BEGIN "
        "INSERT INTO notes_fts(rowid, notes) VALUES (new.id, new.notes); END"
    )
    db.execute(
        "CREATE TRIGGER calls_notes_ad AFTER DELETE ON calls WHEN old.notes IS NOT NULL BEGIN "
        "INSERT INTO notes_fts(notes_fts, rowid, notes) VALUES ('delete', old.id, old.notes); END"
    )
    db.execute(
        "CREATE TRIGGER calls_notes_au AFTER UPDATE OF notes ON calls BEGIN "
        "INSERT INTO notes_fts(notes_fts, rowid, notes) SELECT 'delete', old.id, old.notes "
        "WHERE old.notes IS NOT NULL; "
        "INSERT INTO notes_fts(rowid, notes) SELECT new.id, new.notes "
        "WHERE new.notes IS NOT NULL; END"
    )
    # Not FTS5's 'rebuild': it would index every call, an empty document for each without notes.
    db.execute(
        "INSERT INTO notes_fts(rowid, notes) SELECT id, notes FROM calls WHERE notes IS NOT NULL"
    )


def _v6(db: Database) -> None:
    """Contacts by number (the list import merges by it, the Phone page finds a caller by it)
    is the history's index: calling.calllist_schema's migration 1 used to make it, so a file
    that ran that step has it already."""
    db.execute("CREATE INDEX IF NOT EXISTS contacts_number ON contacts(number)")


MIGRATIONS = (_v1, _v2, _v3, _v4, _v5, _v6)
