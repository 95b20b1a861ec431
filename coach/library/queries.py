"""Reading the call library: finding calls, full-text search, one call's review (and the
dashboard, from `coach.library.dashboard`).

Search runs over the library's FTS5 index of transcripts (`utterances_fts`) and, through the
function the call history lends (`CallsTable.search_notes`), over call notes, most recently
stored first (newest calls first, except calls imported later from a bundle), at most `limit`
hits. Times in and out are Unix epoch seconds; call-relative times are seconds from the
call's start. Calls and their contacts are read through the call history's view
`call_history_v` (coach.library.call_history), never its tables.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from sqlite_utils import Database

from coach.library import recordings
from coach.library.call_history import CallsTable
from coach.library.dashboard import dashboard  # noqa: F401 - part of this module's API

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


def _call_filters(
    *,
    contact: str | int | None = None,
    rep: str | None = None,
    since: float | None = None,
    until: float | None = None,
    flag_kind: str | None = None,
    status: str | None = None,
    alias: str = "c",
) -> tuple[list[str], list[Any]]:
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


def find_calls(db: Database, *, limit: int = 200, **filters: Any) -> list[dict]:
    """Calls newest first, filtered by contact (id, name part or number), rep, date, flag kind."""
    where, params = _call_filters(**filters)
    sql = (
        "SELECT c.id, c.uuid, c.direction, c.remote_number, c.rep, c.started_at, c.connected_at,"
        " c.ended_at, c.status, c.disposition, c.sip_code, c.recording_path,"
        " c.contact_name, (SELECT COUNT(*) FROM flags f WHERE f.call_id = c.id) AS flag_count"
        " FROM call_history_v c"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY c.started_at DESC LIMIT ?"
    )
    return list(db.query(sql, [*params, limit]))


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
    where, params = _call_filters(**filters)
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


def review(db: Database, call_id: int) -> dict | None:
    """Everything the review window shows for one call."""
    rows = list(db.query("SELECT * FROM call_history_v WHERE id = ?", [call_id]))
    if not rows:
        return None
    call = rows[0]
    q = db.execute
    utterances = [
        {"id": r[0], "speaker": r[1], "start": r[2], "end": r[3], "text": r[4]}
        for r in q(
            "SELECT id, speaker, start_s, end_s, text FROM utterances"
            " WHERE call_id = ? ORDER BY start_s, id",
            [call_id],
        )
    ]
    flag_cols = ("id", "kind", "speaker", "start", "end", "text", "suggestion", "trigger", "label",
                 "source", "score", "resembles")  # fmt: skip
    flags = [
        dict(zip(flag_cols, r))
        for r in q(
            "SELECT id, kind, speaker, start_s, end_s, text, suggestion, trigger, label,"
            " source, score, resembles FROM flags WHERE call_id = ? ORDER BY start_s, id",
            [call_id],
        )
    ]
    positives = [
        dict(zip(("id", "kind", "start", "end", "text", "label"), r))
        for r in q(
            "SELECT id, kind, start_s, end_s, text, label FROM positive_marks"
            " WHERE call_id = ? ORDER BY start_s",
            [call_id],
        )
    ]
    comments = [
        dict(zip(("id", "at", "author", "text", "created_at", "item_id"), r))
        for r in q(
            "SELECT id, at_s, author, text, created_at, item_id FROM comments"
            " WHERE call_id = ? ORDER BY at_s, id",
            [call_id],
        )
    ]
    duration = None
    if call["ended_at"] and call["started_at"]:
        duration = call["ended_at"] - (call["connected_at"] or call["started_at"])
    if utterances:
        duration = max(duration or 0.0, max(u["end"] for u in utterances))
    recording_s = None
    if call["recording_path"]:
        try:
            recording_s = recordings.duration(call["recording_path"])
            duration = max(duration or 0.0, recording_s)
        except (OSError, RuntimeError):
            recording_s = None  # moved or deleted: the review still shows the transcript
    return {
        "call": call,
        "duration": duration,
        "recording_seconds": recording_s,
        "utterances": utterances,
        "flags": flags,
        "positives": positives,
        "comments": comments,
        "metrics": stored_metrics(db, call_id),
    }


def stored_metrics(db: Database, call_id: int) -> dict | None:
    """The metrics stored for the call (as the coach computed them), or None."""
    m = db.execute("SELECT metrics_json FROM call_metrics WHERE call_id = ?", [call_id]).fetchone()
    return json.loads(m[0]) if m and m[0] else None


def learned_before(
    db: Database, *, contact_id: int | None, before: float | None = None
) -> set[str] | None:
    """The qualification topics learned on the contact's connected calls before `before` (the
    coach's `learned_before`), from each call's stored metrics: what it covered, and what it
    already knew from the calls before it. An empty set when there is no earlier call; None
    when an earlier call has no stored coverage (recorded without the coach, or before it),
    since then what was learned on it is unknown."""
    if contact_id is None:
        return set()
    rows = db.execute(
        "SELECT m.metrics_json FROM call_history_v c LEFT JOIN call_metrics m ON m.call_id = c.id"
        " WHERE c.contact_id = ? AND c.connected_at IS NOT NULL AND c.started_at < ?",
        [contact_id, before if before is not None else time.time()],
    ).fetchall()
    learned: set[str] = set()
    for (raw,) in rows:
        try:
            topics = json.loads(raw).get("qualification") if raw else None
        except (ValueError, AttributeError):
            topics = None
        if not isinstance(topics, dict) or not topics:
            return None
        for name, value in topics.items():
            if isinstance(value, dict):
                value = value.get("covered") or value.get("learned_before")
            if value:
                learned.add(name)
    return learned


def reps(db: Database) -> list[str]:
    return [
        r[0]
        for r in db.execute("SELECT DISTINCT rep FROM call_history_v WHERE rep != '' ORDER BY rep")
    ]


def flags_on_calls(db: Database, call_ids: list[int], limit: int = 10) -> list[dict]:
    """The flags raised on these calls (newest call first, in call order within one): what a
    dialer card and the Phone page's contact card show of a contact's earlier calls (the
    queue gets this function from the wiring, since calling/ does not read the library's
    tables)."""
    if not call_ids:
        return []
    marks = ",".join("?" * len(call_ids))
    return list(
        db.query(
            f"SELECT call_id, kind, label, text, suggestion FROM flags WHERE call_id IN ({marks})"
            " ORDER BY call_id DESC, start_s LIMIT ?",
            [*call_ids, limit],
        )
    )
