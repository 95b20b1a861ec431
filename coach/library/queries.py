"""Reading the call library: finding calls, one call's review, the reps on record; and, from
the modules that hold them, what callers also ask here: search (`coach.library.search`),
a contact's earlier calls (`coach.library.earlier_calls`) and the dashboard
(`coach.library.dashboard`).

Times in and out are Unix epoch seconds; call-relative times are seconds from the call's
start. Calls and their contacts are read through the call history's view `call_history_v`
(coach.library.call_history), never its tables.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from coach.library import recordings

# part of this module's API: the callers' `queries.X` keep working
from coach.library.dashboard import dashboard  # noqa: F401
from coach.library.earlier_calls import flags_on_calls, learned_before, stored_metrics  # noqa: F401
from coach.library.search import call_filters, fts_query, search  # noqa: F401


def find_calls(db: Database, *, limit: int = 200, **filters: Any) -> list[dict]:
    """Calls newest first, filtered by contact (id, name part or number), rep, date, flag kind."""
    where, params = call_filters(**filters)
    sql = (
        "SELECT c.id, c.uuid, c.direction, c.remote_number, c.rep, c.started_at, c.connected_at,"
        " c.ended_at, c.status, c.disposition, c.sip_code, c.recording_path,"
        " c.contact_name, (SELECT COUNT(*) FROM flags f WHERE f.call_id = c.id) AS flag_count"
        " FROM call_history_v c"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY c.started_at DESC LIMIT ?"
    )
    return list(db.query(sql, [*params, limit]))


# One call's rows as the review shows them, the columns named as its dicts name them
# (sqlite-utils' query gives dicts).
_UTTERANCES = (
    'SELECT id, speaker, start_s AS start, end_s AS "end", text FROM utterances'
    " WHERE call_id = ? ORDER BY start_s, id"
)
_FLAGS = (
    'SELECT id, kind, speaker, start_s AS start, end_s AS "end", text, suggestion, trigger,'
    " label, source, score, resembles FROM flags WHERE call_id = ? ORDER BY start_s, id"
)
_POSITIVES = (
    'SELECT id, kind, start_s AS start, end_s AS "end", text, label FROM positive_marks'
    " WHERE call_id = ? ORDER BY start_s"
)
_COMMENTS = (
    "SELECT id, at_s AS at, author, text, created_at, item_id FROM comments"
    " WHERE call_id = ? ORDER BY at_s, id"
)


def review(db: Database, call_id: int) -> dict | None:
    """Everything the review window shows for one call."""
    rows = list(db.query("SELECT * FROM call_history_v WHERE id = ?", [call_id]))
    if not rows:
        return None
    call = rows[0]
    utterances, flags, positives, comments = (
        list(db.query(sql, [call_id])) for sql in (_UTTERANCES, _FLAGS, _POSITIVES, _COMMENTS)
    )
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


def reps(db: Database) -> list[str]:
    return [
        r[0]
        for r in db.execute("SELECT DISTINCT rep FROM call_history_v WHERE rep != '' ORDER BY rep")
    ]
