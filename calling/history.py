"""Call history and contacts: the writes to and queries of the `contacts` and `calls` tables
(calling-session data: what calls were made to whom, not SIP).

A call row is created the moment a call starts (status 'in_progress', with the writing
process's pid) and finished when it ends ('completed' or 'failed'); a call still
'in_progress' whose process is gone is marked 'interrupted' when the database is next opened.
Times are Unix epoch seconds (REAL). Every call has a stable UUID so that bundles moved between
machines import once. Functions take the `sqlite_utils.Database` first, so they can be
submitted to the app's `StoreWriter` as they are.

Other packages read the history through the view `call_history_v` (one row per call, with its
contact's fields beside it) and never name the tables: `CALL_HISTORY_VIEW_COLUMNS` is its
column contract (a test compares it with the view itself), so the tables may change as long
as a migration keeps the view's columns. Writes go through this module's functions. The
tables, their migrations and the view are `calling.history_schema`'s.
"""

from __future__ import annotations

import os
import time
import uuid as uuidlib
from typing import Any

from sqlite_utils import Database

from resources.dispositions import DISPOSITIONS

DIRECTIONS = ("outbound", "inbound")
STATUSES = ("in_progress", "completed", "failed", "interrupted", "imported")


# -- contacts ---------------------------------------------------------------------------------


def add_contact(
    db: Database,
    name: str,
    number: str | None = None,
    company: str | None = None,
    email: str | None = None,
    uuid: str | None = None,
) -> int:
    cur = db.execute(
        "INSERT INTO contacts(uuid, name, company, number, email, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [uuid or str(uuidlib.uuid4()), name, company, number, email, time.time()],
    )
    return int(cur.lastrowid)


def find_contact(db: Database, name: str, number: str | None = None) -> int | None:
    if number:
        row = db.execute(
            "SELECT id FROM contacts WHERE number = ? ORDER BY id LIMIT 1", [number]
        ).fetchone()
        if row:
            return int(row[0])
    row = db.execute(
        "SELECT id FROM contacts WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1", [name]
    ).fetchone()
    return int(row[0]) if row else None


def get_or_create_contact(
    db: Database, name: str, number: str | None = None, company: str | None = None
) -> int:
    found = find_contact(db, name, number)
    return found if found is not None else add_contact(db, name, number, company)


def upsert_contact(
    db: Database,
    *,
    uuid: str | None,
    name: str,
    number: str | None = None,
    company: str | None = None,
    email: str | None = None,
) -> int:
    """The contact with this UUID, else the first with this number, else a new one keeping
    the UUID (an imported bundle's contact maps onto the one already here)."""
    row = db.execute("SELECT id FROM contacts WHERE uuid = ?", [uuid]).fetchone()
    if row is None and number:
        row = db.execute(
            "SELECT id FROM contacts WHERE number = ? ORDER BY id LIMIT 1", [number]
        ).fetchone()
    if row is not None:
        return int(row[0])
    return add_contact(db, name, number, company, email, uuid)


def get_contact(db: Database, contact_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM contacts WHERE id = ?", [contact_id]))
    return rows[0] if rows else None


# -- calls ------------------------------------------------------------------------------------


def start_call(
    db: Database,
    *,
    direction: str = "outbound",
    remote_number: str | None = None,
    remote_uri: str | None = None,
    local_number: str | None = None,
    contact_id: int | None = None,
    rep: str = "",
    started_at: float | None = None,
    uuid: str | None = None,
    status: str = "in_progress",
    writer_pid: int | None = None,
) -> int:
    """Create the call row at call start; returns its id."""
    if direction not in DIRECTIONS:
        raise ValueError(f"A call's direction is 'outbound' or 'inbound', not {direction!r}.")
    cur = db.execute(
        "INSERT INTO calls(uuid, contact_id, direction, local_number, remote_number, remote_uri,"
        " rep, started_at, status, writer_pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            uuid or str(uuidlib.uuid4()),
            contact_id,
            direction,
            local_number,
            remote_number,
            remote_uri,
            rep or "",
            time.time() if started_at is None else started_at,
            status,
            os.getpid() if writer_pid is None and status == "in_progress" else writer_pid,
        ],
    )
    return int(cur.lastrowid)


# The columns a call moved from another machine brings (a bundle's call fields); the rest
# (id, contact_id, recording_path, writer_pid) belong to this database.
IMPORTED_CALL_COLUMNS = (
    "uuid", "direction", "local_number", "remote_number", "remote_uri", "rep", "started_at",
    "connected_at", "ended_at", "sip_code", "sip_reason", "disposition", "notes", "status",
)  # fmt: skip


def insert_imported_call(db: Database, fields: dict[str, Any], contact_id: int | None) -> int:
    """Add a call recorded on another machine with the fields it had there (those of
    `IMPORTED_CALL_COLUMNS` present in `fields`); returns its id. A call that was still in
    progress there has no writer here, so it arrives 'interrupted'. Dispositions are kept as
    they were, even one no longer in the list (the call happened under the old list)."""
    columns = [c for c in IMPORTED_CALL_COLUMNS if c in fields]
    values = [fields[c] for c in columns]
    if fields.get("status") == "in_progress":
        values[columns.index("status")] = "interrupted"
    cur = db.execute(
        f"INSERT INTO calls(contact_id, {', '.join(columns)})"
        f" VALUES (?, {', '.join('?' for _ in columns)})",
        [contact_id, *values],
    )
    return int(cur.lastrowid)


def delete_call(db: Database, call_id: int) -> None:
    """Remove a call that never happened (the engine refused to place it)."""
    db.execute("DELETE FROM calls WHERE id = ?", [call_id])


def call_connected(db: Database, call_id: int, at: float | None = None) -> None:
    db.execute(
        "UPDATE calls SET connected_at = ? WHERE id = ? AND connected_at IS NULL",
        [time.time() if at is None else at, call_id],
    )


def finish_call(
    db: Database,
    call_id: int,
    *,
    ended_at: float | None = None,
    sip_code: int | None = None,
    sip_reason: str | None = None,
    status: str | None = None,
) -> None:
    """Close the call: 'completed' if it connected, else 'failed' (unless `status` says)."""
    row = db.execute("SELECT connected_at FROM calls WHERE id = ?", [call_id]).fetchone()
    if row is None:
        raise KeyError(f"No call {call_id}.")
    status = status or ("completed" if row[0] is not None else "failed")
    db.execute(
        "UPDATE calls SET ended_at = ?, sip_code = COALESCE(?, sip_code),"
        " sip_reason = COALESCE(?, sip_reason), status = ?, writer_pid = NULL WHERE id = ?",
        [time.time() if ended_at is None else ended_at, sip_code, sip_reason, status, call_id],
    )


def set_disposition(db: Database, call_id: int, disposition: str | None) -> None:
    if disposition is not None and disposition not in DISPOSITIONS:
        raise ValueError(
            f"Unknown disposition {disposition!r}; pick one of: {', '.join(DISPOSITIONS)}."
        )
    db.execute("UPDATE calls SET disposition = ? WHERE id = ?", [disposition, call_id])


def set_notes(db: Database, call_id: int, notes: str | None) -> None:
    db.execute("UPDATE calls SET notes = ? WHERE id = ?", [notes, call_id])


def set_recording(db: Database, call_id: int, path: str | None) -> None:
    db.execute("UPDATE calls SET recording_path = ? WHERE id = ?", [path, call_id])


def get_call(db: Database, call_id: int) -> dict | None:
    rows = list(
        db.query(
            "SELECT calls.*, contacts.name AS contact_name, contacts.company AS contact_company"
            " FROM calls LEFT JOIN contacts ON contacts.id = calls.contact_id"
            " WHERE calls.id = ?",
            [call_id],
        )
    )
    return rows[0] if rows else None


def call_id_for_uuid(db: Database, uuid: str) -> int | None:
    row = db.execute("SELECT id FROM calls WHERE uuid = ?", [uuid]).fetchone()
    return int(row[0]) if row else None


def contact_calls(db: Database, contact_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """A contact's calls, newest first (id, started/connected/ended, disposition, notes)."""
    return list(
        db.query(
            "SELECT id, started_at, connected_at, ended_at, disposition, notes FROM calls"
            " WHERE contact_id = ? ORDER BY started_at DESC LIMIT ?",
            [contact_id, limit],
        )
    )


def recent_calls(db: Database, limit: int = 50, rep: str | None = None) -> list[dict[str, Any]]:
    where, params = ("WHERE calls.rep = ?", [rep]) if rep else ("", [])
    return list(
        db.query(
            "SELECT calls.*, contacts.name AS contact_name FROM calls"
            f" LEFT JOIN contacts ON contacts.id = calls.contact_id {where}"
            " ORDER BY calls.started_at DESC LIMIT ?",
            [*params, limit],
        )
    )


def previous_calls(
    db: Database,
    *,
    contact_id: int | None = None,
    number: str | None = None,
    before: float | None = None,
) -> int:
    """How many earlier connected calls this contact (or number) had — the coach's
    `previous_calls` (a first call with 'as we discussed' is false familiarity)."""
    if contact_id is None and not number:
        return 0
    clause = "contact_id = ?" if contact_id is not None else "remote_number = ?"
    row = db.execute(
        f"SELECT COUNT(*) FROM calls WHERE {clause} AND connected_at IS NOT NULL"
        " AND started_at < ?",
        [contact_id if contact_id is not None else number, before or time.time()],
    ).fetchone()
    return int(row[0])


def live_recordings(db: Database) -> list[tuple[int, str, str]]:
    """(id, uuid, path) of calls no longer in progress still pointing at a live WAV (the app
    stopped before it could convert it): what crash recovery turns into FLAC."""
    return [
        (int(r[0]), r[1], r[2])
        for r in db.execute(
            "SELECT id, uuid, recording_path FROM calls"
            " WHERE status != 'in_progress' AND lower(recording_path) LIKE '%.wav'"
        ).fetchall()
    ]


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# No call runs this long; past it a live pid is a recycled one, not the call's writer.
MAX_CALL_SECONDS = 12 * 3600


def mark_interrupted(db: Database) -> int:
    """Mark calls left 'in_progress' by a process that is gone as 'interrupted'."""
    now = time.time()
    stale = [
        call_id
        for call_id, pid, started in db.execute(
            "SELECT id, writer_pid, started_at FROM calls WHERE status = 'in_progress'"
        ).fetchall()
        if (pid != os.getpid() and not _pid_alive(pid)) or now - started > MAX_CALL_SECONDS
    ]
    for call_id in stale:
        db.execute(
            "UPDATE calls SET status = 'interrupted', writer_pid = NULL WHERE id = ?", [call_id]
        )
    return len(stale)
