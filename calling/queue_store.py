"""The dialing queue's reads and writes: contact cards, dial rows, outcomes and counters.

Plain functions taking the `sqlite_utils.Database` first (like calling.history), used by
`calling.dialer_queue`: the writing ones are jobs for the app's single writer, the reading
ones run on the queue's read-only connection. The coach's flags on earlier calls are not read
here (they are the call library's table): the card gets them from the `earlier_flags`
function the wiring passes in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlite_utils import Database

from calling import history
from calling.openers import suggest_opener

# Queue disposition -> the call history's disposition vocabulary.
DISPOSITIONS: dict[str, str] = {
    "connected": "connected",
    "meeting_booked": "meeting_booked",
    "not_interested": "not_interested",
    "voicemail_left": "voicemail",
    "no_answer": "no_answer",
    "busy": "busy",
    "wrong_number": "wrong_number",
    "call_back": "follow_up",
}
# One key per disposition in the queue view and the CLI.
KEYS: dict[str, str] = {
    "c": "connected",
    "m": "meeting_booked",
    "n": "not_interested",
    "v": "voicemail_left",
    "a": "no_answer",
    "b": "busy",
    "w": "wrong_number",
    "k": "call_back",
}


@dataclass
class ContactCard:
    entry_id: int
    contact_id: int | None
    name: str
    company: str
    phone: str
    email: str
    last_action: str
    last_action_date: str
    opener: str
    attempts: int
    local_time: str = ""
    notes: list[str] = field(default_factory=list)  # from earlier calls, newest first
    earlier_calls: list[dict] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)  # coach flags raised on earlier calls


def build_card(
    db: Database,
    entry: dict,
    today: date | None = None,
    earlier_flags: Callable[[Database, list[int]], list[dict]] | None = None,
) -> ContactCard:
    cid = entry["contact_id"]
    calls = history.contact_calls(db, cid) if cid else []
    flags: list[dict] = []
    if calls and earlier_flags is not None:
        flags = earlier_flags(db, [c["id"] for c in calls])[:10]
    return ContactCard(
        entry_id=entry["id"],
        contact_id=cid,
        name=entry["name"],
        company=entry["company"] or "",
        phone=entry["phone"],
        email=entry["email"] or "",
        last_action=entry["last_action"] or "",
        last_action_date=entry["last_action_date"] or "",
        opener=suggest_opener(
            entry["name"],
            entry["company"] or "",
            entry["last_action"] or "",
            entry["last_action_date"] or "",
            today=today,
        ),
        attempts=entry["attempts"],
        notes=[c["notes"] for c in calls if c["notes"]]
        + ([entry["notes"]] if entry["notes"] else []),
        earlier_calls=calls,
        flags=flags,
    )


def entry(db: Database, entry_id: int) -> dict:
    return next(db.query("SELECT * FROM call_list_entries WHERE id = ?", [entry_id]))


def pending_entries(db: Database, list_id: int, now: float) -> list[dict]:
    """Pending entries in dialing order: due call-backs first (oldest due first), then the
    list in order; call-backs not yet due are left out."""
    return list(
        db.query(
            "SELECT * FROM call_list_entries WHERE list_id = ? AND status = 'pending'"
            " AND (callback_at IS NULL OR callback_at <= ?)"
            " ORDER BY callback_at IS NULL, callback_at, position",
            [list_id, now],
        )
    )


def next_callback(db: Database, list_id: int, now: float) -> float | None:
    row = db.execute(
        "SELECT MIN(callback_at) FROM call_list_entries WHERE list_id = ? AND status = 'pending'"
        " AND callback_at > ?",
        [list_id, now],
    ).fetchone()
    return row[0]


def new_session(db: Database, list_id: int, rep: str, now: float) -> int:
    """A dialing session over a list, ready to show its first card; returns its id."""
    return int(
        db.execute(
            "INSERT INTO dial_sessions(list_id, rep, state, started_at, resumed_at)"
            " VALUES (?, ?, 'ready', ?, ?)",
            [list_id, rep, now, now],
        ).lastrowid
    )


def save_session(
    db: Database,
    session_id: int,
    state: str,
    entry_id: int | None,
    call_id: int | None,
    active_seconds: float,
    resumed_at: float | None,
    ended_at: float | None,
) -> None:
    db.execute(
        "UPDATE dial_sessions SET state = ?, current_entry_id = ?, current_call_id = ?,"
        " active_seconds = ?, resumed_at = ?, ended_at = ? WHERE id = ?",
        [state, entry_id, call_id, active_seconds, resumed_at, ended_at, session_id],
    )


def skip_entry(db: Database, entry_id: int, at: float) -> None:
    db.execute(
        "UPDATE call_list_entries SET status = 'skipped', outcome = 'skipped',"
        " outcome_at = ? WHERE id = ?",
        [at, entry_id],
    )


def start_dial(
    db: Database, session_id: int, entry_row: dict, uri: str, rep: str, now: float
) -> tuple[int, int]:
    """History call row + session dial row; returns (calls.id, session_dials.id)."""
    call_id = history.start_call(
        db,
        remote_number=entry_row["phone"],
        remote_uri=uri,
        contact_id=entry_row["contact_id"],
        rep=rep,
        started_at=now,
    )
    dial_id = int(
        db.execute(
            "INSERT INTO session_dials(session_id, entry_id, call_id, dialed_at) VALUES (?,?,?,?)",
            [session_id, entry_row["id"], call_id, now],
        ).lastrowid
    )
    db.execute(
        "UPDATE call_list_entries SET attempts = attempts + 1 WHERE id = ?", [entry_row["id"]]
    )
    return call_id, dial_id


def undo_dial(db: Database, call_id: int, dial_id: int, entry_id: int) -> None:
    """Remove a dial that never left the machine (the engine refused to place it)."""
    db.execute("DELETE FROM session_dials WHERE id = ?", [dial_id])
    history.delete_call(db, call_id)
    db.execute("UPDATE call_list_entries SET attempts = attempts - 1 WHERE id = ?", [entry_id])


def dial_connected(db: Database, call_id: int, dial_id: int, at: float) -> None:
    history.call_connected(db, call_id, at)
    db.execute("UPDATE session_dials SET connected_at = ? WHERE id = ?", [at, dial_id])


def dial_ended(
    db: Database, call_id: int, dial_id: int, at: float, code: int | None, reason: str | None
) -> None:
    history.finish_call(db, call_id, ended_at=at, sip_code=code, sip_reason=reason)
    db.execute(
        "UPDATE session_dials SET ended_at = ?, sip_code = ? WHERE id = ?", [at, code, dial_id]
    )


def record_outcome(
    db: Database,
    entry_id: int,
    disposition: str,
    *,
    call_id: int | None,
    dial_id: int | None,
    at: float,
    callback_at: float | None = None,
    notes: str | None = None,
) -> None:
    if disposition not in DISPOSITIONS:
        raise ValueError(
            f"Unknown disposition {disposition!r}; pick one of: {', '.join(DISPOSITIONS)}."
        )
    if disposition == "call_back" and callback_at is None:
        raise ValueError("A call-back needs a time.")
    if call_id is not None:
        history.set_disposition(db, call_id, DISPOSITIONS[disposition])
        if notes:
            history.set_notes(db, call_id, notes)
    if dial_id is not None:
        db.execute("UPDATE session_dials SET disposition = ? WHERE id = ?", [disposition, dial_id])
    status = "pending" if disposition == "call_back" else "done"
    db.execute(
        "UPDATE call_list_entries SET status = ?, outcome = ?, outcome_at = ?, callback_at = ?,"
        " notes = COALESCE(?, notes) WHERE id = ?",
        [status, disposition, at, callback_at, notes, entry_id],
    )


def counters(
    db: Database,
    *,
    session_id: int | None = None,
    since: float | None = None,
    active_seconds: float | None = None,
    conversation_s: float = 60.0,
) -> dict:
    """dials, connects, conversations (connected longer than conversation_s), meetings,
    voicemails and dials per hour, for one session or for every dial since a time."""
    where, params = [], []
    if session_id is not None:
        where.append("session_id = ?")
        params.append(session_id)
    if since is not None:
        where.append("dialed_at >= ?")
        params.append(since)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    row = db.execute(
        "SELECT COUNT(*), COUNT(connected_at),"
        " SUM(connected_at IS NOT NULL AND ended_at - connected_at > ?),"
        " SUM(disposition = 'meeting_booked'), SUM(disposition = 'voicemail_left'),"
        f" MIN(dialed_at), MAX(COALESCE(ended_at, dialed_at)) FROM session_dials {clause}",
        [conversation_s, *params],
    ).fetchone()
    dials = row[0]
    span = active_seconds if active_seconds is not None else ((row[6] or 0) - (row[5] or 0))
    return {
        "dials": dials,
        "connects": row[1],
        "conversations": row[2] or 0,
        "meetings": row[3] or 0,
        "voicemails": row[4] or 0,
        "dials_per_hour": round(dials * 3600.0 / span, 1) if span and span > 0 else 0.0,
        "hours": round(max(span or 0.0, 0.0) / 3600.0, 4),
    }


def start_of_day(now: float | None = None) -> float:
    d = datetime.fromtimestamp(time.time() if now is None else now)
    return datetime(d.year, d.month, d.day).timestamp()
