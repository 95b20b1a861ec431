"""Full-text search of the call library: what a user typed made into a safe FTS5 query, the
filters every call list takes (contact, rep, period, flag kind, status), and the hits.

Search runs over the library's FTS5 index of transcripts (`utterances_fts`) and, through the
function the call history lends (`CallsTable.search_notes`), over call notes, most recently
stored first (newest calls first, except calls imported later from a bundle), at most `limit`
hits. Calls are read through the call history's view `call_history_v`, never its tables.
"""

from __future__ import annotations

import re
from typing import Any

from sqlite_utils import Database

from coach.library.call_history import CallsTable

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: words ANDed, "quoted phrases" kept."""
    parts = []
    for phrase, word in _TOKEN.findall(text):
        words = re.findall(r"\w+", phrase or word)
        if words:
            parts.append('"' + " ".join(words) + '"')
    if not parts:
        raise ValueError("Type at least one word to search for.")
    return " ".join(parts)


def call_filters(
    *,
    contact: str | int | None = None,
    rep: str | None = None,
    since: float | None = None,
    until: float | None = None,
    flag_kind: str | None = None,
    status: str | None = None,
    alias: str = "c",
) -> tuple[list[str], list[Any]]:
    """The SQL conditions (on call_history_v as `alias`) and their parameters that leave the
    calls of a contact (id, name part or number), a rep, a period, a flag kind, a status."""
    where: list[str] = []
    params: list[Any] = []
    if contact is not None and contact != "":
        if isinstance(contact, int):
            where.append(f"{alias}.contact_id = ?")
            params.append(contact)
        else:
            # Each contact once (its calls grouped by the covering index calls_contact), not
            # the contact's name looked up for every call: as fast as asking contacts itself.
            where.append(
                f"{alias}.contact_id IN (SELECT contact_id FROM call_history_v"
                " WHERE contact_id IS NOT NULL GROUP BY contact_id"
                " HAVING contact_name LIKE ? OR contact_number = ?)"
            )
            params += [f"%{contact}%", contact]
    if rep:
        where.append(f"{alias}.rep = ?")
        params.append(rep)
    if since is not None:
        where.append(f"{alias}.started_at >= ?")
        params.append(since)
    if until is not None:
        where.append(f"{alias}.started_at < ?")
        params.append(until)
    if flag_kind:
        where.append(f"EXISTS (SELECT 1 FROM flags f WHERE f.call_id = {alias}.id AND f.kind = ?)")
        params.append(flag_kind)
    if status:
        where.append(f"{alias}.status = ?")
        params.append(status)
    return where, params


# With at most this many calls left by the filters, search each call's rowid range instead
# of walking every match of a common word (113k for "budget" in the 10,000-call benchmark).
NARROW_CALLS = 300

_HIT_COLUMNS = (
    "SELECT 'utterance' AS source, u.call_id, u.id AS utterance_id, u.speaker,"
    " u.start_s, u.end_s, snippet(utterances_fts, 0, '[', ']', '…', 16) AS snippet,"
    " c.started_at, c.rep, c.contact_name"
    " FROM utterances_fts JOIN utterances u ON u.id = utterances_fts.rowid"
    " JOIN call_history_v c ON c.id = u.call_id"
)


def _utterance_hits(
    db: Database, match: str, where: list[str], params: list, limit: int
) -> list[dict]:
    window: list = []
    extra = ""
    if where:
        cond = " AND ".join(where)
        calls = [
            r[0]
            for r in db.execute(
                f"SELECT c.id FROM call_history_v c WHERE {cond} LIMIT {NARROW_CALLS + 1}", params
            )
        ]
        if len(calls) <= NARROW_CALLS:
            return _hits_in_calls(db, match, calls, limit)
        # Utterances are stored as calls happen, so the filtered calls (a period, a rep's
        # recent calls) usually sit in a narrow rowid window: FTS5 walks only that window.
        lo, hi = db.execute(
            "SELECT MIN((SELECT MIN(id) FROM utterances WHERE call_id = c.id)),"
            " MAX((SELECT MAX(id) FROM utterances WHERE call_id = c.id))"
            f" FROM call_history_v c WHERE {cond}",
            params,
        ).fetchone()
        if lo is None:
            return []
        extra = " AND utterances_fts.rowid BETWEEN ? AND ? AND " + cond
        window = [lo, hi]
    return list(
        db.query(
            f"{_HIT_COLUMNS} WHERE utterances_fts MATCH ?{extra}"
            " ORDER BY utterances_fts.rowid DESC LIMIT ?",
            [match, *window, *params, limit],
        )
    )


def _hits_in_calls(db: Database, match: str, calls: list[int], limit: int) -> list[dict]:
    if not calls:
        return []
    ranges = db.execute(
        "SELECT call_id, MIN(id), MAX(id) FROM utterances"
        f" WHERE call_id IN ({', '.join('?' for _ in calls)})"
        " GROUP BY call_id ORDER BY MAX(id) DESC",
        calls,
    ).fetchall()
    rowids: list[int] = []
    for call_id, lo, hi in ranges:
        rowids += [
            r[0]
            for r in db.execute(
                "SELECT utterances_fts.rowid FROM utterances_fts"
                " JOIN utterances u ON u.id = utterances_fts.rowid"
                " WHERE utterances_fts MATCH ? AND utterances_fts.rowid BETWEEN ? AND ?"
                " AND u.call_id = ? ORDER BY utterances_fts.rowid DESC",
                [match, lo, hi, call_id],
            )
        ]
        if len(rowids) >= limit:
            break
    hits = []
    for rowid in sorted(rowids, reverse=True)[:limit]:
        hits += db.query(
            f"{_HIT_COLUMNS} WHERE utterances_fts MATCH ? AND utterances_fts.rowid = ?",
            [match, rowid],
        )
    return hits


def search(
    db: Database, text: str, *, calls: CallsTable, limit: int = 50, **filters: Any
) -> list[dict]:
    """Utterances and call notes matching `text`, most recently stored first, with
    highlighted snippets; filters as for `find_calls`. The notes are the call history's: it
    searches them (`calls.search_notes`, handed in by app/)."""
    match = fts_query(text)
    where, params = call_filters(**filters)
    hits = _utterance_hits(db, match, where, params, limit)
    notes = _note_hits(db, calls, match, where, params, limit)
    merged = sorted(
        notes + hits, key=lambda h: (h["started_at"], h["start_s"] or 0.0), reverse=True
    )
    return merged[:limit]


def _note_hits(
    db: Database, calls: CallsTable, match: str, where: list[str], params: list, limit: int
) -> list[dict]:
    among = None
    if where:  # the history searches only the calls the filters leave
        sql = f"SELECT id FROM call_history_v c WHERE {' AND '.join(where)}"
        among = [r[0] for r in db.execute(sql, params)]
    found = calls.search_notes(db, match, limit=limit, among=among)
    if not found:
        return []
    about = {
        r[0]: dict(zip(("started_at", "rep", "contact_name"), r[1:]))
        for r in db.execute(
            "SELECT id, started_at, rep, contact_name FROM call_history_v"
            f" WHERE id IN ({', '.join('?' for _ in found)})",
            [f["call_id"] for f in found],
        )
    }
    return [
        {"source": "notes", "call_id": f["call_id"], "utterance_id": None, "speaker": None,
         "start_s": None, "end_s": None, "snippet": f["snippet"], **about[f["call_id"]]}
        for f in found
    ]  # fmt: skip
