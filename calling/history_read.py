"""What the window and the call library read of the call history beyond one row: the phone
book, which contact a number belongs to, a contact's (or number's) last connected call, and
the search over call notes (calling/history.py has the writes and the one-row lookups).

Notes search reads `notes_fts`, the history's FTS5 index of calls.notes (calling.history_schema
v5, kept in step by triggers on calls); no other package names it: the call library gets
`search_notes` from app/ in its CallsTable, the way it gets the history's other functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from calling import history
from softphone.numbers import digits_key, ends_like


def phone_book(db: Database, limit: int = 5000) -> list[dict[str, Any]]:
    """Contacts that have a number (id, name, number, company), by name."""
    return list(
        db.query(
            "SELECT id, name, number, company FROM contacts WHERE number IS NOT NULL"
            " ORDER BY name COLLATE NOCASE LIMIT ?",
            [limit],
        )
    )


def contact_for_number(db: Database, number: str) -> dict[str, Any] | None:
    """The contact with this number as stored, else the first whose number ends in the same
    last nine digits (a number dialled without its country code), or None."""
    if not number:
        return None
    row = db.execute("SELECT id FROM contacts WHERE number = ? LIMIT 1", [number]).fetchone()
    if row is None:
        key = digits_key(number)
        if len(key) >= 7:
            for cid, num in db.execute("SELECT id, number FROM contacts WHERE number IS NOT NULL"):
                if ends_like(key, num or ""):
                    row = (cid,)
                    break
    return history.get_contact(db, int(row[0])) if row else None


def last_connected_call(
    db: Database, *, contact_id: int | None = None, number: str | None = None
) -> dict[str, Any] | None:
    """The contact's last connected call (else the number's, when there is no contact): its
    id, started_at and notes, or None."""
    if contact_id is None and not number:
        return None
    clause, arg = ("contact_id = ?", contact_id) if contact_id is not None else (
        "remote_number = ?", number)  # fmt: skip
    rows = list(
        db.query(
            f"SELECT id, started_at, notes FROM calls WHERE {clause} AND connected_at IS NOT NULL"
            " ORDER BY started_at DESC LIMIT 1",
            [arg],
        )
    )
    return rows[0] if rows else None


def search_notes(
    db: Database, match: str, *, limit: int = 50, among: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """Calls whose notes match `match` (an FTS5 query the caller has made safe), the most
    recently stored first: `call_id` and `snippet` (the matched words in [brackets]). With
    `among`, only those calls are searched (an empty list finds nothing)."""
    if among is not None and not among:
        return []
    within, params = "", [match]
    if among is not None:
        # `+rowid`: checked on each match, not one FTS query per call of a long list.
        within = " AND +notes_fts.rowid IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(list(among)))
    return list(
        db.query(
            "SELECT notes_fts.rowid AS call_id,"
            " snippet(notes_fts, 0, '[', ']', '…', 16) AS snippet"
            f" FROM notes_fts WHERE notes_fts MATCH ?{within}"
            " ORDER BY notes_fts.rowid DESC LIMIT ?",
            [*params, limit],
        )
    )
