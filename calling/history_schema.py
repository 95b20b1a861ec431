"""The call history's schema: the `contacts` and `calls` tables, their migrations, and the view
`call_history_v` other packages read instead of the tables (`CALL_HISTORY_VIEW_COLUMNS` is its
column contract; a test compares it with the view itself). `app.db` runs `MIGRATIONS` in order
under `SCHEMA_NAME`; the rows are written and read through `calling.history`'s functions.
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


MIGRATIONS = (_v1, _v2, _v3, _v4)
